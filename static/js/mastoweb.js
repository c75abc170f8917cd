// Our own small behaviours; no inline script anywhere (CSP).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Print buttons are hidden until there is script to make them work.
  for (const button of document.querySelectorAll("[data-print]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
});
