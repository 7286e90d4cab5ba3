/* Inside Screener's embed frame: tell the host page (and only the origin it
 * was embedded from, which is on the allow-list) how tall the page is, in
 * steps of 80 px so the height says little about what is on the page; on a
 * result, the outcome tier; and on the page saying the check is not made for
 * the person, only that it ended there (no outcome). Never the answers.
 * Screener takes no messages from the host.
 * Served joined after screener.js, which swaps each page in place: each new page
 * ("screener:page") is measured and, when it is a result, reported like a loaded one.
 * screener/assets.py serves it compacted (rjsmin).
 */
(function () {
  "use strict";

  var host = document.documentElement.getAttribute("data-embed-host");
  if (!host || window.parent === window) return;

  function post(message) {
    window.parent.postMessage(message, host);
  }

  var sent = 0;

  function height() {
    var step = 80;
    var tall = Math.ceil(document.body.getBoundingClientRect().height / step) * step;
    if (tall !== sent) {
      sent = tall;
      post({ type: "screener:height", height: tall });
    }
  }

  var watcher = window.ResizeObserver ? new ResizeObserver(height) : null;

  function start() {
    height();
    if (watcher) {
      watcher.disconnect();
      watcher.observe(document.body);
    }
    var result = document.querySelector("[data-screener-outcome]");
    if (result) {
      post({
        type: "screener:complete",
        outcome: result.getAttribute("data-screener-outcome"),
        severity: Number(result.getAttribute("data-screener-severity")),
        version: result.getAttribute("data-screener-version")
      });
    }
  }

  document.addEventListener("screener:page", start);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
