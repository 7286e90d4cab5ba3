/* Screener's embed loader. On a host page:
 *
 *   <div data-screener data-title="Prostate massage safety questions" data-lang="es"></div>
 *   <script src="https://screener.example.org/embed.js" defer></script>
 *
 * puts Screener in an iframe, keeps the iframe as tall as its content, and
 * dispatches "screener:complete" on the element with {outcome, severity,
 * version} when a result is shown; nothing when the check ends because it is
 * not made for the person (that would tell the host page an answer).
 * Never the answers: they stay inside Screener's frame. Messages are accepted only from Screener's own origin
 * and from the frame this loader made.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !script.src) return;
  var origin = new URL(script.src).origin;

  function mount(host) {
    if (host.querySelector("iframe[data-screener-frame]")) return;
    var frame = document.createElement("iframe");
    /* data-lang="es" fixes the language; without it the reader's browser picks one. */
    var lang = host.getAttribute("data-lang") || "";
    lang = /^[A-Za-z]{2,3}(-[A-Za-z]{2})?$/.test(lang) ? lang + "/" : "";
    frame.src = origin + "/embed/" + lang + "?host=" + encodeURIComponent(location.origin);
    frame.title = host.getAttribute("data-title") || "Health screening questions";
    frame.setAttribute("data-screener-frame", "");
    frame.style.cssText = "display:block;width:100%;height:40rem;border:0";
    host.appendChild(frame);

    window.addEventListener("message", function (event) {
      if (event.origin !== origin || event.source !== frame.contentWindow) return;
      var data = event.data;
      if (!data || typeof data !== "object") return;
      if (data.type === "screener:height" && typeof data.height === "number" &&
          isFinite(data.height) && data.height > 0 && data.height < 20000) {
        frame.style.height = Math.ceil(data.height) + "px";
        /* The frame changed: bring its top into view if it is above the window. */
        if (frame.getBoundingClientRect().top < 0) frame.scrollIntoView({ block: "start" });
      } else if (data.type === "screener:complete" && typeof data.outcome === "string" &&
                 typeof data.severity === "number" && typeof data.version === "string") {
        host.dispatchEvent(new CustomEvent("screener:complete", {
          bubbles: true,
          detail: { outcome: data.outcome, severity: data.severity, version: data.version }
        }));
      }
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-screener]"), mount);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
