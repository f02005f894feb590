/* hotspots: show that work is under way when a form is sent (uploads, new views).
 * Served from this site (CSP script-src 'self', no inline script). On submit of a form in the
 * page's main area (not sign-out), its submit buttons are disabled, the form is marked
 * aria-busy and a polite status says what is happening ("Uploading and ingesting…", or the
 * form's data-busy text); the page then waits for the server. Coming back to the page from the
 * browser's history enables the buttons again. Without JavaScript forms work as before. */
(function () {
  "use strict";
  function busy(form) {
    var text = form.getAttribute("data-busy") ||
      (form.enctype === "multipart/form-data" ? "Uploading and ingesting: this can take a few minutes…"
        : "Working on it: a new view can take up to a minute…");
    var status = form.querySelector(".busy-status");
    if (!status) {
      status = document.createElement("p");
      status.className = "busy-status";
      status.setAttribute("role", "status");
      form.appendChild(status);
    }
    status.textContent = text;
    form.setAttribute("aria-busy", "true");
    var buttons = form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].disabled = true;
      buttons[i].setAttribute("data-busy-disabled", "1");
    }
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.closest("main")) { return; }
    if (form.getAttribute("data-busy") === "off") { return; }
    if (form.getAttribute("aria-busy") === "true") { event.preventDefault(); return; }
    // disable after the browser has read the form (a disabled button's value is not sent)
    window.setTimeout(function () { busy(form); }, 0);
  });
  window.addEventListener("pageshow", function () {
    var forms = document.querySelectorAll("form[aria-busy=true]");
    for (var i = 0; i < forms.length; i++) {
      forms[i].removeAttribute("aria-busy");
      var status = forms[i].querySelector(".busy-status");
      if (status) { status.textContent = ""; }
    }
    var buttons = document.querySelectorAll("[data-busy-disabled]");
    for (var j = 0; j < buttons.length; j++) {
      buttons[j].disabled = false;
      buttons[j].removeAttribute("data-busy-disabled");
    }
  });
}());
