/* Screener kiosk mode: leave nothing on a shared screen for the next patient.
 *
 * Progressive enhancement: every page works without this file, and then the
 * answers token's short lifetime is the safety net. With it:
 *  - forms are sent with fetch and the page is swapped in place, so no answered
 *    page ever enters the browser history (Back and swipe-back cannot reach one);
 *  - after a spell without a touch, a dialog asks "Do you need more time?" and
 *    counts down; "I need more time" extends it any number of times; at zero the
 *    screen is cleared;
 *  - "Finish" and the countdown go to /finish, replacing the history entry; the
 *    response clears the site's data and shows the start page;
 *  - a page restored from the back/forward cache clears itself the same way.
 */
(function () {
  "use strict";

  var root = document.documentElement;
  var finishUrl = root.getAttribute("data-kiosk-finish") || "/finish";
  var idleTimer = null;
  var tickTimer = null;

  function finish() {
    clearTimeout(idleTimer);
    clearInterval(tickTimer);
    root.classList.add("kiosk-leaving");
    location.replace(finishUrl);
  }

  window.addEventListener("pageshow", function (event) {
    if (event.persisted) finish();
  });

  function dialog() {
    return document.getElementById("kiosk-timeout");
  }

  function seconds(name, fallback) {
    var value = parseInt(document.body.getAttribute(name), 10);
    return isNaN(value) ? fallback : value;
  }

  function restartIdle() {
    clearTimeout(idleTimer);
    var box = dialog();
    if (!box || box.open) return;
    idleTimer = setTimeout(warn, seconds("data-kiosk-idle", 90) * 1000);
  }

  function warn() {
    var box = dialog();
    if (!box) return;
    var left = seconds("data-kiosk-countdown", 30);
    var shown = box.querySelector(".kiosk-seconds");
    shown.textContent = String(left);
    box.showModal();
    box.querySelector("[data-kiosk-extend]").focus();
    tickTimer = setInterval(function () {
      left -= 1;
      shown.textContent = String(Math.max(left, 0));
      if (left <= 0) finish();
    }, 1000);
  }

  function extend() {
    clearInterval(tickTimer);
    var box = dialog();
    if (box && box.open) box.close();
    restartIdle();
  }

  ["pointerdown", "keydown", "touchstart", "input", "scroll", "wheel"].forEach(function (name) {
    document.addEventListener(name, function () {
      var box = dialog();
      if (!box || !box.open) restartIdle();
    }, { passive: true, capture: true });
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target && target.closest && target.closest("[data-kiosk-extend]")) {
      event.preventDefault();
      extend();
    }
  });

  document.addEventListener("cancel", function (event) {
    /* Escape on the dialog means "I need more time", not "let it run out". */
    if (event.target === dialog()) {
      event.preventDefault();
      extend();
    }
  }, true);

  function show(html) {
    var next = new DOMParser().parseFromString(html, "text/html");
    document.title = next.title;
    document.body.replaceWith(document.adoptNode(next.body));
    history.replaceState(null, "", "/");
    var focus = document.querySelector("[autofocus]") || document.querySelector("main h1");
    if (focus) {
      if (!focus.hasAttribute("tabindex")) focus.setAttribute("tabindex", "-1");
      focus.focus();
    }
    window.scrollTo(0, 0);
    restartIdle();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter || null;
    if (!window.fetch || !form || (form.method || "").toLowerCase() !== "post") return;
    event.preventDefault();
    var action = (submitter && submitter.getAttribute("formaction")) || form.getAttribute("action");
    var body = new URLSearchParams(new FormData(form, submitter));
    fetch(action, { method: "POST", body: body, cache: "no-store", credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(show)
      .catch(finish);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", restartIdle);
  } else {
    restartIdle();
  }
})();
