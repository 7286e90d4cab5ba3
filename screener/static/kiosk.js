/* Screener kiosk mode: leave nothing on a shared screen for the next patient.
 *
 * Served joined after screener.js, which sends the forms and swaps each page in
 * place; in kiosk mode it replaces the one history entry rather than adding any,
 * so Back and swipe-back have no answered page to reach, and a failed request or
 * a page restored from the back/forward cache finishes. This file adds:
 *  - on a page that holds answers, after a spell without a touch or key, a dialog
 *    asks "Do you need more time?" and counts down; "I need more time" (or Escape)
 *    extends it any number of times and renews the answers token; "Finish now",
 *    like the countdown reaching zero, clears the screen;
 *  - "Finish", "Finish now" and the countdown go to /finish, replacing the history
 *    entry; the response clears the site's data and shows the start page.
 * Every page works without it, and then the answers token's short lifetime is
 * the safety net. screener/assets.py serves it compacted (rjsmin).
 */
(function () {
  "use strict";

  var root = document.documentElement;
  var finishUrl = root.getAttribute("data-kiosk-finish") || "/finish";
  var renewUrl = root.getAttribute("data-kiosk-renew") || "/renew";
  var idleTimer = null;
  var tickTimer = null;

  function stopTimers() {
    clearTimeout(idleTimer);
    clearInterval(tickTimer);
  }

  function finish() {
    stopTimers();
    root.classList.add("kiosk-leaving");
    location.replace(finishUrl);
  }

  function dialog() {
    return document.getElementById("kiosk-timeout");
  }

  function seconds(name, fallback) {
    var value = parseInt(document.body.getAttribute(name), 10);
    return isNaN(value) ? fallback : value;
  }

  function restartIdle() {
    stopTimers();
    var box = dialog();
    if (!box || box.open || !document.body.hasAttribute("data-kiosk-private")) return;
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

  function renew() {
    /* The person is still here: give the answers a new lifetime too. */
    var field = document.querySelector("input[name=token]");
    if (!field) return;
    fetch(renewUrl, { method: "POST", body: new URLSearchParams({ token: field.value }),
                      cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("expired");
        return response.json();
      })
      .then(function (data) {
        document.querySelectorAll("input[name=token]").forEach(function (input) {
          input.value = data.token;
        });
      })
      .catch(finish);
  }

  function extend() {
    stopTimers();
    var box = dialog();
    if (box && box.open) box.close();
    renew();
    restartIdle();
  }

  ["pointerdown", "keydown", "touchstart", "input", "scroll", "wheel"].forEach(function (name) {
    document.addEventListener(name, function () {
      var box = dialog();
      if (!box || !box.open) restartIdle();
    }, { passive: true, capture: true });
  });

  document.addEventListener("click", function (event) {
    var target = event.target && event.target.closest ? event.target : null;
    if (!target) return;
    if (target.closest("[data-kiosk-extend]")) {
      event.preventDefault();
      extend();
    } else if (target.closest("[data-kiosk-finish-now], a[href='" + finishUrl + "']")) {
      event.preventDefault();
      finish();
    }
  });

  document.addEventListener("cancel", function (event) {
    /* Escape on the dialog means "I need more time", not "let it run out". */
    if (event.target === dialog()) {
      event.preventDefault();
      extend();
    }
  }, true);

  /* Each page swapped in starts its own idle time (or none, without answers). */
  document.addEventListener("screener:page", restartIdle);

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", restartIdle);
  } else {
    restartIdle();
  }
})();
