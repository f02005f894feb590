/* hotspots: small page actions that need a browser's help. Served from this site (CSP
 * script-src 'self', no inline script); nothing is asked of another host.
 *
 * - The map page's ward finder (.ward-finder): choosing a ward says its figures in words, the
 *   sentence the server wrote into the option (data-text, hotspots.presentation.ward_line), in
 *   a polite status; no new page, so choosing is not a change of context (WCAG 3.2.2).
 * - The patrol plan's Print and Share buttons (.page-print, .page-share): print the A4 sheet;
 *   share the plan's address with the phone's share sheet (Web Share), else copy it and say so.
 *
 * Each control is hidden in the HTML and shown here, so without JavaScript no control is
 * offered that does nothing (the ward table and the browser's own print stay). Hand-written:
 * a few lines on standard DOM calls, no library does less. */
(function () {
  "use strict";

  function wardFinder(box) {
    var pick = box.querySelector("select");
    var said = box.querySelector(".ward-said");
    pick.addEventListener("change", function () {
      var option = pick.options[pick.selectedIndex];
      said.textContent = option && option.value ? option.getAttribute("data-text") : "";
    });
    box.hidden = false;
  }

  function say(status, text) {
    if (status) { status.textContent = text; }
  }

  function share(button) {
    var status = document.getElementById(button.getAttribute("aria-describedby"));
    var url = new URL(button.getAttribute("data-url"), document.baseURI).href;
    button.addEventListener("click", function () {
      if (navigator.share) {
        navigator.share({title: document.title, url: url}).catch(function () {});
        return;
      }
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(url).then(function () {
          say(status, "The plan's address is copied: paste it into a message.");
        }, function () {
          say(status, "Copy this address to share the plan: " + url);
        });
        return;
      }
      say(status, "Copy this address to share the plan: " + url);
    });
    button.hidden = false;
  }

  function ready() {
    Array.prototype.forEach.call(document.querySelectorAll(".ward-finder"), wardFinder);
    Array.prototype.forEach.call(document.querySelectorAll("button.page-print"), function (b) {
      b.addEventListener("click", function () { window.print(); });
      b.hidden = false;
    });
    Array.prototype.forEach.call(document.querySelectorAll("button.page-share"), share);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
