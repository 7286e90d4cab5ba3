/* Screener kiosk mode: leave nothing on a shared screen for the next patient.
 *
 * Progressive enhancement: every page works without this file, and then the
 * answers token's short lifetime is the safety net. With it:
 *  - forms are sent with fetch and the page is swapped in place, so no answered
 *    page ever enters the browser history (Back and swipe-back cannot reach one);
 *    in-page links move focus without adding history entries either;
 *  - on a page that holds answers, after a spell without a touch or key, a dialog
 *    asks "Do you need more time?" and counts down; "I need more time" (or Escape)
 *    extends it any number of times and renews the answers token; at zero the
 *    screen is cleared;
 *  - "Finish", the countdown and any error go to /finish, replacing the history
 *    entry; the response clears the site's data and shows the start page;
 *  - a page put into or restored from the back/forward cache is emptied and cleared.
 */
(function () {
  "use strict";

  var root = document.documentElement;
  var finishUrl = root.getAttribute("data-kiosk-finish") || "/finish";
  var renewUrl = root.getAttribute("data-kiosk-renew") || "/renew";
  var idleTimer = null;
  var tickTimer = null;
  var busy = false;

  function stopTimers() {
    clearTimeout(idleTimer);
    clearInterval(tickTimer);
  }

  function finish() {
    stopTimers();
    root.classList.add("kiosk-leaving");
    location.replace(finishUrl);
  }

  window.addEventListener("pagehide", function (event) {
    if (event.persisted) document.body.textContent = "";
  });
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
      return;
    }
    var link = target.closest("a[href]");
    if (!link) return;
    var href = link.getAttribute("href");
    if (href === finishUrl) {
      event.preventDefault();
      finish();
    } else if (href.charAt(0) === "#") {
      /* Move to the target without adding a history entry. */
      event.preventDefault();
      var goal = document.getElementById(href.slice(1));
      if (goal) {
        if (!goal.hasAttribute("tabindex") && !/^(INPUT|BUTTON|A)$/.test(goal.tagName)) {
          goal.setAttribute("tabindex", "-1");
        }
        goal.focus();
        goal.scrollIntoView({ block: "center" });
      }
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
    stopTimers();
    document.title = next.title;
    /* The page may be in another language now: say so to the browser and screen readers. */
    root.setAttribute("lang", next.documentElement.getAttribute("lang") || "");
    root.setAttribute("dir", next.documentElement.getAttribute("dir") || "ltr");
    document.body.replaceWith(document.adoptNode(next.body));
    history.replaceState(null, "", "/");
    var focus = document.querySelector("[autofocus], [data-kiosk-focus], main h1");
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
    if (busy) return;
    busy = true;
    var action = (submitter && submitter.getAttribute("formaction")) || form.getAttribute("action");
    var body = new URLSearchParams(new FormData(form, submitter));
    fetch(action, { method: "POST", body: body, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        /* An error (expired answers, say) clears the screen rather than showing a page
           whose links would leave kiosk mode's clearing behind. */
        return response.text().then(function (html) {
          if (!response.ok) throw new Error(String(response.status));
          return html;
        });
      })
      .then(show)
      .catch(finish)
      .then(function () { busy = false; });
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", restartIdle);
  } else {
    restartIdle();
  }
})();
