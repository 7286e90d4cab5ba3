/* Screener's pages in place: the browser's Back and Forward move between questions,
 * and nothing answered is left behind. Every page works without this file.
 *
 * Without it, each step is a form POST that loads a new page; the browser's Back
 * then meets a POSTed page kept under Cache-Control: no-store, and Chromium shows
 * "Confirm Form Resubmission" (ERR_CACHE_MISS). With it:
 *  - forms are sent with fetch and the answer swapped into this page; the title,
 *    language and focus are set as a full load sets them (the error summary on an
 *    error, else the main heading);
 *  - each new page adds one history entry whose state is only its step number
 *    ({step: 3}) and whose address is the form's own (/answer, as without this
 *    file). The answers stay in the page, in its answers token, as before;
 *  - Back (the browser's, or the page's own Back button, which becomes the same
 *    thing) sends the page's own Back form, which keeps later answers; Forward
 *    asks /show for the page that was left, with the answers the page holds now.
 *    Going back never changes an answer, so the pages ahead are still right;
 *    sending a new answer adds an entry, which drops the ones ahead;
 *  - a page with no answers token (a result, an error) is the end: Back from it
 *    leaves the screening's entries and shows a fresh start page;
 *  - a page going into the back/forward cache is emptied, and one restored from
 *    it is replaced by a fresh start page;
 *  - in kiosk mode (<html class="kiosk">) no answered page enters history at all:
 *    every page replaces the one entry, and any failure finishes (kiosk.js adds
 *    the idle dialog).
 * After each page it fires "screener:page" on the document, for kiosk.js and the
 * embed's frame script, which are served joined to this file.
 * screener/assets.py serves it without comments and spare space (rjsmin).
 */
(function () {
  "use strict";

  var root = document.documentElement;
  if (!window.fetch || !window.DOMParser || !history.replaceState) return;
  var kiosk = root.classList.contains("kiosk");
  var start = history.state && history.state.step;
  // here: the step shown; want: the step of the current history entry; base: this
  // document's first step (not 0 when it was reloaded from a later entry).
  var here = typeof start === "number" ? start : 0;
  var base = here;
  var want = here;
  var busy = false;
  var native = false;
  // The page the page's own Back button fetched, shown when history has stepped back.
  var ready = null;
  // How to draw each step again (describe()): its kind, question and review flag;
  // never an answer.
  var drawn = {};

  function token(page) {
    return (page || document).querySelector("input[name=token]");
  }

  function field(form, name) {
    var input = form.querySelector("input[name=" + name + "]");
    return input ? input.value : "";
  }

  // What /show needs to draw a page again, as text: "" for a page with no answers.
  // (/show draws Check your answers and the "not made for you" page alike, from the
  // answers; they are told apart here only to know one from the other.)
  function describe(page) {
    if (!token(page)) return "";
    var form = page.querySelector("form[action$='/answer']");
    if (form) return JSON.stringify({ step: "question", question: field(form, "question"), review: field(form, "review") });
    var start = page.querySelector("form[action$='/start']");
    return JSON.stringify({ step: start ? "start" : page.querySelector("form[action$='/result']") ? "check" : "outside" });
  }

  function leave() {
    document.body.textContent = "";
    location.replace(root.getAttribute(kiosk ? "data-kiosk-finish" : "data-start") || "/");
  }

  function parse(html) {
    return new DOMParser().parseFromString(html, "text/html");
  }

  function show(next, how, url) {
    // The entry first, then the title: the entry left keeps its own title.
    if (kiosk) {
      history.replaceState(null, "", "/");
    } else if (how === "push") {
      here += 1;
      want = here;
      history.pushState({ step: here }, "", url);
    } else if (how === "replace") {
      history.replaceState({ step: here }, "", url);
    }
    document.title = next.title;
    // lang and dir (the page may be in another language now), data-start, ...
    Array.prototype.forEach.call(next.documentElement.attributes, function (a) {
      root.setAttribute(a.name, a.value);
    });
    document.body.replaceWith(document.adoptNode(next.body));
    drawn[here] = describe(document);
    window.scrollTo(0, 0);
    var goal = document.querySelector("[autofocus], [data-kiosk-focus], main h1") || document.getElementById("main");
    if (goal) {
      if (!goal.hasAttribute("tabindex")) goal.setAttribute("tabindex", "-1");
      goal.focus();
    }
    document.dispatchEvent(new Event("screener:page"));
  }

  function post(action, body) {
    busy = true;
    return fetch(action, { method: "POST", body: body, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        return response.text().then(function (html) {
          // In a kiosk an error (expired answers, say) clears the screen rather than
          // showing a page whose links would leave kiosk mode's clearing behind.
          if (kiosk && !response.ok) throw new Error(String(response.status));
          // Elsewhere Screener's own error pages (expired answers, ...) are shown; a
          // server failure or anything not a page (a proxy's 502) is not swapped in,
          // so the answers on the page are not lost to it.
          var type = response.headers.get("Content-Type") || "";
          if (response.status >= 500 || type.indexOf("text/html") !== 0) throw new Error(String(response.status));
          return html;
        });
      })
      .finally(function () {
        busy = false;
      });
  }

  // Move the page shown to the current history entry's step, one request at a time.
  function travel() {
    if (busy || want === here || kiosk) return;
    if (!token()) {
      // A start page with nothing answered has nothing to draw again, whichever
      // entry is current.
      if (document.querySelector("form[action$='/start']")) {
        here = want;
        return;
      }
      // The end (a result, an error): nothing before it can be shown again. Go to
      // this document's first entry, then replace the page with a fresh start.
      // (Step 0 is the start page's entry: a reloaded document's earlier entries are
      // addresses that cannot be opened again.)
      if (want > 0) history.go(-want);
      else leave();
      return;
    }
    var step = want < here ? here - 1 : want;
    var action;
    var body;
    if (want < here) {
      var back = document.querySelector("form.back-form");
      if (!back) {
        here = want;
        return;
      }
      action = back.getAttribute("action");
      body = new URLSearchParams(new FormData(back));
    } else {
      var page = drawn[want] ? JSON.parse(drawn[want]) : null;
      if (!page) {
        here = want;
        return;
      }
      // Every form posts to the same address prefix; /show is beside /answer.
      action = token().form.getAttribute("action");
      action = action.slice(0, action.lastIndexOf("/") + 1) + "show";
      body = new URLSearchParams(new FormData(token().form));
      ["step", "question", "review"].forEach(function (name) {
        body.delete(name);
        if (page[name]) body.append(name, page[name]);
      });
      body.delete("answer");
    }
    post(action, body).then(function (html) {
      here = step;
      show(parse(html), "none");
      travel();
    }, function () {
      // Nothing came: go back to the entry of the page still shown, so that history
      // and the page stay in step.
      var shown = here - want;
      want = here;
      if (shown) history.go(shown);
    });
  }

  window.addEventListener("popstate", function (event) {
    var step = event.state && event.state.step;
    if (typeof step !== "number") return;
    want = step;
    var page = ready && ready.step === step ? ready.page : null;
    ready = null;
    if (!page) return travel();
    here = step;
    show(page, "none");
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter || null;
    if (native || !form || (form.method || "").toLowerCase() !== "post") return;
    event.preventDefault();
    if (busy) return;
    var action = (submitter && submitter.getAttribute("formaction")) || form.getAttribute("action");
    // The page's own Back button is the browser's Back: history steps back to the
    // entry before, and the page comes in with it.
    var back = !kiosk && action.slice(-5) === "/back" && here > base;
    var from = want;
    post(action, new URLSearchParams(new FormData(form, submitter))).then(function (html) {
      // History moved while the page was on its way: follow it instead.
      if (want !== from) return travel();
      var next = parse(html);
      if (back && token(next)) {
        ready = { step: here - 1, page: next };
        return history.back();
      }
      // The same page again (with an error, or in another language) keeps its entry.
      show(next, drawn[here] && describe(next) === drawn[here] ? "replace" : "push", action);
    }, function () {
      if (kiosk) return leave();
      // No answer from the server: send the form as if there were no script.
      native = true;
      form.requestSubmit(submitter);
    });
  });

  // In-page links (the skip link, the error summary's) move focus without adding
  // a history entry.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href^='#']");
    var goal = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!goal) return;
    event.preventDefault();
    if (!goal.hasAttribute("tabindex") && ["INPUT", "BUTTON", "A"].indexOf(goal.tagName) < 0) goal.setAttribute("tabindex", "-1");
    goal.focus();
    goal.scrollIntoView({ block: "center" });
  });

  window.addEventListener("pagehide", function (event) {
    if (event.persisted) {
      document.body.textContent = "";
      document.title = "";
    }
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) leave();
  });

  if (!kiosk) {
    history.scrollRestoration = "manual";
    // Also forgets the form data of a page that came from a POST, so that coming
    // back to it asks for the address again rather than to resubmit.
    history.replaceState({ step: here }, "");
    drawn[here] = describe(document);
  }
})();
