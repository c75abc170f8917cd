// Our own small behaviours; no inline script anywhere (CSP).
"use strict";

const DRAFT_PREFIX = "mastoweb-draft:";
const SUBMITTED = "mastoweb-draft-submitted";

function timeOfDay(date) {
  return date.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

// ------------------------------------------------------------ the case form's state, as a draft

// The form's values now, or (asServed) as the server wrote them into the page: the browser may
// since have put back what was typed before a Back or a reload.
function formState(form, { asServed = false } = {}) {
  const state = {};
  for (const element of form.elements) {
    if (!element.name || element.name === "csrfmiddlewaretoken" || element.type === "submit") continue;
    if (!(element.name in state)) state[element.name] = [];
    if (element.type === "checkbox" || element.type === "radio") {
      if (asServed ? element.defaultChecked : element.checked) state[element.name].push(element.value);
    } else if (element instanceof HTMLSelectElement) {
      const options = [...element.options];
      const chosen = asServed ? options.find((option) => option.defaultSelected) ?? options[0] : element.selectedOptions[0];
      state[element.name].push(chosen ? chosen.value : "");
    } else {
      state[element.name].push(asServed ? element.defaultValue : element.value);
    }
  }
  return state;
}

function applyState(form, state) {
  for (const element of form.elements) {
    if (!(element.name in state) || element.type === "submit") continue;
    const values = state[element.name];
    if (element.type === "checkbox" || element.type === "radio") {
      element.checked = values.includes(element.value);
    } else {
      element.value = values[0] ?? "";
    }
  }
}

function sameState(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function readDraft(key) {
  try {
    return JSON.parse(sessionStorage.getItem(DRAFT_PREFIX + key));
  } catch {
    return null;
  }
}

function forgetOtherUsersDrafts(key) {
  // A shared ward computer: a draft left by someone whose session ended is not offered to the next person.
  const user = key.split(":")[0];
  for (const name of Object.keys(sessionStorage)) {
    if (name.startsWith(DRAFT_PREFIX) && name.slice(DRAFT_PREFIX.length).split(":")[0] !== user) {
      sessionStorage.removeItem(name);
    }
  }
}

function setUpDraft(form) {
  const key = form.dataset.draftKey;
  const initial = formState(form, { asServed: true });
  let submitting = false;
  forgetOtherUsersDrafts(key);
  sessionStorage.removeItem(SUBMITTED); // back on the form: the last save did not go through

  const draft = readDraft(key);
  const offer = document.getElementById("draft-offer");
  const [navigation] = performance.getEntriesByType("navigation");
  if (draft && draft.state && navigation?.type === "back_forward") {
    // Back to the form in this tab: it is put back as it was left (the page is never cached: no-store).
    applyState(form, draft.state);
  } else if (draft && draft.state && !sameState(draft.state, initial) && offer) {
    offer.querySelector("[data-draft-time]").textContent = timeOfDay(new Date(draft.savedAt));
    offer.hidden = false;
    offer.querySelector("[data-draft-restore]").addEventListener("click", () => {
      applyState(form, draft.state);
      offer.hidden = true;
      form.dispatchEvent(new Event("change", { bubbles: true })); // the preview follows the restored input
      form.querySelector("input:not([type=hidden]), select, textarea")?.focus();
    });
    offer.querySelector("[data-draft-discard]").addEventListener("click", () => {
      sessionStorage.removeItem(DRAFT_PREFIX + key);
      offer.hidden = true;
    });
  }

  const keep = () => {
    sessionStorage.setItem(DRAFT_PREFIX + key, JSON.stringify({ savedAt: Date.now(), state: formState(form) }));
  };
  form.addEventListener("input", keep);
  form.addEventListener("change", keep);
  form.addEventListener("submit", () => {
    submitting = true;
    keep();
    sessionStorage.setItem(SUBMITTED, key); // cleared by the case page once the save went through
  });

  // Leaving a changed form asks first (the browser words the question).
  window.addEventListener("beforeunload", (event) => {
    if (!submitting && !sameState(formState(form), initial)) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // Enter in a one-line field does not save a half-filled form.
  form.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.key === "Enter" && target instanceof HTMLInputElement && !["submit", "button"].includes(target.type)) {
      event.preventDefault();
    }
  });
}

function clearSavedDraft() {
  const page = document.querySelector("[data-saved-drafts]");
  const submitted = sessionStorage.getItem(SUBMITTED);
  if (page && submitted && page.dataset.savedDrafts.split(" ").includes(submitted)) {
    sessionStorage.removeItem(DRAFT_PREFIX + submitted);
    sessionStorage.removeItem(SUBMITTED);
  }
}

// ------------------------------------------------------------ the preview: busy, updated, expired

function setUpPreview(form) {
  const preview = document.getElementById("preview");
  const status = document.getElementById("preview-status");
  const bar = document.getElementById("preview-bar");
  if (!preview) return null;

  const summarise = () => {
    if (!bar) return;
    const cautions = preview.querySelectorAll('.recommendation[data-kind="caution"]').length;
    const others = preview.querySelectorAll(".recommendation").length - cautions;
    const plural = (count, word) => `${count} ${word}${count === 1 ? "" : "s"}`;
    let text;
    if (preview.querySelector("[data-preview-held], .preview-empty, .session-ended")) {
      text = "No recommendations yet";
    } else {
      text = `${plural(cautions, "caution")} · ${plural(others, "recommendation")}`;
    }
    bar.textContent = `${text} — view`;
    bar.hidden = false;
  };

  const showExpired = () => {
    preview.setAttribute("aria-busy", "false");
    // Shown once: a later preview or the keep-alive finding the session ended leaves the notice (and the link
    // someone may be clicking) in place, and a screen reader does not hear the alert again.
    if (preview.querySelector(".session-ended")) return;
    const notice = document.createElement("div");
    notice.className = "alert alert-warning session-ended";
    notice.setAttribute("role", "alert");
    const text = document.createElement("p");
    text.className = "mb-2";
    text.textContent =
      "Your session has ended, so the preview cannot be updated. Your input is still here and kept in this tab.";
    const link = document.createElement("a");
    link.className = "alert-link";
    link.href = form.dataset.loginUrl;
    link.target = "_blank";
    link.textContent = "Log in again in a new tab";
    const after = document.createElement("p");
    after.className = "mb-0";
    after.append(link, ", then come back here: the preview picks up where you left off.");
    notice.append(text, after);
    preview.replaceChildren(notice);
    preview.setAttribute("aria-busy", "false");
    summarise();
  };

  // Typing waits for a pause (the form's hx-trigger: preview-typed delay:400ms); a radio, a checkbox or
  // a select is a finished choice and asks at once (preview-chosen). Radios and checkboxes fire "input"
  // as well as "change": each change is sent once, by the one event that fits it.
  const TYPED = new Set(["text", "search", "email", "number", "tel", "url", "password", "textarea"]);
  const typed = (target) => TYPED.has(target.type);
  form.addEventListener("input", (event) => {
    if (typed(event.target)) form.dispatchEvent(new Event("preview-typed"));
  });
  form.addEventListener("change", (event) => {
    // A typed field's change (on leaving it) was already asked for while typing.
    if (!typed(event.target)) form.dispatchEvent(new Event("preview-chosen"));
  });

  form.addEventListener("htmx:beforeRequest", () => preview.setAttribute("aria-busy", "true"));
  form.addEventListener("htmx:afterRequest", () => preview.setAttribute("aria-busy", "false"));
  form.addEventListener("htmx:beforeOnLoad", (event) => {
    // An ended session answers with a way to the login page: say so here instead of leaving the form.
    const xhr = event.detail.xhr;
    const redirect = xhr.getResponseHeader("HX-Redirect") || "";
    if (redirect.includes("/login") || (xhr.responseURL || "").includes("/login")) {
      event.preventDefault();
      showExpired();
    }
  });
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target !== preview) return;
    if (status) status.textContent = `Updated ${timeOfDay(new Date())}`;
    summarise();
  });
  summarise();
  return { showExpired, refresh: () => form.dispatchEvent(new Event("change", { bubbles: true })) };
}

// ------------------------------------------------------------ the idle timeout: warn, extend, recover

function setUpIdleTimeout(form, preview) {
  const warning = document.getElementById("idle-warning");
  const url = form.dataset.keepAlive;
  if (!url || !warning) return;
  let expiresAt = Date.now() + Number(form.dataset.idleSecondsLeft) * 1000;
  let lastPing = Date.now();
  let ended = false;
  const timeout = Number(form.dataset.idleSecondsLeft) * 1000;
  const warnBefore = Math.min(120000, timeout / 2);
  const pingEvery = Math.max(1000, Math.min(60000, timeout / 4));

  const showEnded = () => {
    if (ended) return;
    ended = true;
    warning.textContent =
      "Your session has ended. Nothing you typed is lost: it stays in this form. Log in again in a new tab to save it.";
    warning.hidden = false;
    preview?.showExpired();
  };

  const ping = async () => {
    lastPing = Date.now();
    let response;
    try {
      response = await fetch(url, { credentials: "same-origin", redirect: "manual", headers: { Accept: "application/json" } });
    } catch {
      return; // offline for a moment: the next keystroke tries again
    }
    if (response.type === "opaqueredirect" || !response.ok) {
      showEnded();
      return;
    }
    const answer = await response.json();
    expiresAt = Date.now() + answer.idle_seconds_left * 1000;
    // A login elsewhere (another tab) gives a new CSRF token: the form needs it to save.
    for (const input of form.querySelectorAll("input[name=csrfmiddlewaretoken]")) input.value = answer.csrf_token;
    if (ended) {
      ended = false;
      warning.hidden = true;
      preview?.refresh();
    }
    check();
  };

  const check = () => {
    const left = expiresAt - Date.now();
    if (ended) return;
    if (left <= 0) {
      showEnded();
    } else if (left <= warnBefore) {
      const at = new Date(expiresAt).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
      warning.textContent = `Your session ends at ${at} without activity. Press a key or click anywhere to stay logged in.`;
      warning.hidden = false;
    } else {
      warning.hidden = true;
    }
  };

  const activity = () => {
    const sincePing = Date.now() - lastPing;
    if (sincePing >= pingEvery || (sincePing >= 1000 && expiresAt - Date.now() <= warnBefore)) ping();
  };
  document.addEventListener("keydown", activity);
  document.addEventListener("click", activity);
  // Back from another tab (perhaps the one where they logged in again): find out where the session stands.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") ping();
  });
  setInterval(check, 1000);
}

// ------------------------------------------------------------ every page

document.addEventListener("DOMContentLoaded", () => {
  // Print buttons are hidden until there is script to make them work.
  for (const button of document.querySelectorAll("[data-print]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }

  // The navbar folds into a Menu button on a phone; without script it stays open.
  for (const toggle of document.querySelectorAll("[data-nav-toggle]")) {
    const menu = document.getElementById(toggle.getAttribute("aria-controls"));
    if (!menu) continue;
    menu.classList.add("collapse");
    toggle.hidden = false;
    toggle.addEventListener("click", () => {
      const open = menu.classList.toggle("show");
      toggle.setAttribute("aria-expanded", String(open));
    });
  }

  // The guidance page, reached from a case's page: a way back to that case (the referrer is same-origin only).
  const back = document.querySelector("[data-back-to-case]");
  if (back && document.referrer) {
    const from = new URL(document.referrer);
    if (from.origin === location.origin && /^\/cases\/[0-9a-f-]{36}\/(assessments\/\d+\/)?$/.test(from.pathname)) {
      back.querySelector("a").href = from.pathname;
      back.hidden = false;
    }
  }

  // A printout says when it was printed, not when the page was opened.
  window.addEventListener("beforeprint", () => {
    const now = new Date().toLocaleString("en-GB", {
      day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit",
    });
    for (const stamp of document.querySelectorAll("[data-printed-at]")) stamp.textContent = now.replace(",", "");
  });

  // After a save, the confirmation is where focus (and a screen reader) goes first.
  const success = document.querySelector(".messages .alert-success");
  if (success) {
    success.tabIndex = -1;
    success.focus();
  }

  clearSavedDraft();

  const form = document.querySelector("form[data-draft-key]");
  if (form) {
    setUpDraft(form);
    const preview = setUpPreview(form);
    setUpIdleTimeout(form, preview);
  }

  // The logout button ends the drafts of this tab too: the next person at this computer sees none.
  for (const logout of document.querySelectorAll("form[action$='/logout/']")) {
    logout.addEventListener("submit", () => {
      for (const name of Object.keys(sessionStorage)) {
        if (name.startsWith(DRAFT_PREFIX)) sessionStorage.removeItem(name);
      }
    });
  }
});

// The preview follows the form's state whenever the page is shown, including after Back
// (the browser puts the typed values back into the form, but not the preview that went with them).
window.addEventListener("pageshow", (event) => {
  const form = document.querySelector("form[data-draft-key]");
  if (form && (event.persisted || !sameState(formState(form), formState(form, { asServed: true })))) {
    form.dispatchEvent(new Event("change", { bubbles: true }));
  }
});
