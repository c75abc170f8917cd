// Our own small behaviours; no inline script anywhere (CSP).
