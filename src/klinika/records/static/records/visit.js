/* The visit screen: the draft is saved while the doctor types, and leaving with unsaved changes asks first.
 *
 * A form marked data-unsaved-guard counts as changed while what it would send differs from what it held when
 * it appeared (for the visit form: from what the server last confirmed it stored); one marked
 * data-unsaved-from-start (shown again after a refused save) counts as changed until it is saved. The visit form
 * (data-autosave-url) is sent a moment after the doctor stops typing; its status line says "saved" only once
 * the server answered that it stored it, and "not saved" otherwise. Nothing typed is kept in the browser
 * (no localStorage): the draft lives on the server, encrypted like the visit itself.
 *
 * Loaded as a static file: the CSP allows no inline script and no eval.
 */
(function () {
  "use strict";

  const IDLE_MS = 2000; // a pause in typing
  const MAX_WAIT_MS = 15000; // typing without a pause is still saved this often
  const RETRY_MS = 15000; // after a lost connection
  const KEEPALIVE_MAX = 60000; // bytes a request may carry while the page unloads

  const script = document.currentScript;
  const leaveMessage = (script && script.dataset.leaveMessage) || "";
  const cardFailed = (script && script.dataset.cardFailed) || "";
  const baselines = new WeakMap(); // form -> what it would have sent when shown or last saved
  let submitting = null; // a guarded form sent the ordinary way: its own data goes with it
  let autosaver = null;

  function fields(form) {
    const skip = new Set(["csrfmiddlewaretoken", ...(form.dataset.autosaveIgnore || "").split(/\s+/)]);
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (!skip.has(name)) params.append(name, typeof value === "string" ? value : value.name); // a chosen file: its name
    }
    return params;
  }

  function track(root) {
    const forms = root.matches && root.matches("form[data-unsaved-guard]") ? [root] : [];
    forms.push(...(root.querySelectorAll ? root.querySelectorAll("form[data-unsaved-guard]") : []));
    for (const form of forms) {
      // A form shown again with what a refused save sent holds nothing the server has: unsaved from the start.
      if (!baselines.has(form)) baselines.set(form, "unsavedFromStart" in form.dataset ? null : fields(form).toString());
      if (form.dataset.autosaveUrl && !autosaver) autosaver = new Autosaver(form);
    }
  }

  function changed(form) {
    return document.body.contains(form) && baselines.has(form) && fields(form).toString() !== baselines.get(form);
  }

  function unsaved() {
    for (const form of document.querySelectorAll("form[data-unsaved-guard]")) {
      if (form === submitting) continue;
      if (changed(form) || (autosaver && autosaver.form === form && autosaver.busy)) return true;
    }
    return false;
  }

  function Autosaver(form) {
    const status = document.getElementById("draft-status");
    const token = form.querySelector("input[name=csrfmiddlewaretoken]");
    let timer = null;
    let firstChange = null;
    let again = false;
    let lastSaved = "";
    const self = this;
    this.form = form;
    this.busy = false;

    function msg(name) {
      return status ? status.dataset[name] || "" : "";
    }

    function say(text, state) {
      if (!status) return;
      status.textContent = text;
      status.dataset.state = state;
    }

    function schedule() {
      if (!changed(form)) {
        clearTimeout(timer);
        timer = null;
        firstChange = null;
        if (!self.busy && status && status.dataset.state === "dirty") say(lastSaved, lastSaved ? "saved" : "");
        return;
      }
      if (self.busy) {
        again = true;
        return;
      }
      say(msg("msgDirty"), "dirty");
      const now = Date.now();
      if (firstChange === null) firstChange = now;
      clearTimeout(timer);
      timer = setTimeout(save, Math.max(0, Math.min(IDLE_MS, firstChange + MAX_WAIT_MS - now)));
    }

    async function save(unloading) {
      clearTimeout(timer);
      timer = null;
      if (self.busy) {
        again = true;
        return;
      }
      if (!changed(form)) return;
      const body = fields(form);
      const sent = body.toString();
      self.busy = true;
      firstChange = null;
      say(msg("msgSaving"), "saving");
      let answer = null;
      let failure = msg("msgFailed");
      let retry = false;
      try {
        const response = await fetch(form.dataset.autosaveUrl, {
          method: "POST", body, credentials: "same-origin", redirect: "manual",
          keepalive: unloading === true && sent.length < KEEPALIVE_MAX,
          // HX-Request: a lapsed session answers 401 (not a redirect to the login page, which is no "saved").
          headers: {"X-CSRFToken": token ? token.value : "", "HX-Request": "true", "Accept": "application/json"},
        });
        const type = response.headers.get("Content-Type") || "";
        const data = type.includes("application/json") ? await response.json() : null;
        if (response.ok && data && data.saved === true) {
          answer = data;
        } else if (response.status === 401) {
          failure = msg("msgLogin");
        } else if (data && data.message) {
          failure = msg("msgFailed") + ": " + data.message;
        } else {
          retry = response.status >= 500 || response.status === 0;
          failure = retry ? msg("msgOffline") : msg("msgFailed");
        }
      } catch (error) {
        retry = true;
        failure = msg("msgOffline");
      }
      self.busy = false;
      if (answer) {
        baselines.set(form, sent);
        lastSaved = answer.message;
        say(answer.message, "saved");
        form.dispatchEvent(new CustomEvent("klinika:draft-saved", {bubbles: true, detail: {at: answer.at}}));
      } else {
        say(failure, "failed");
        if (retry) timer = setTimeout(save, RETRY_MS);
      }
      if (again || (answer && changed(form))) {
        again = false;
        schedule();
      }
    }

    this.save = save;
    this.stop = function () {
      clearTimeout(timer);
      timer = null;
    };
    form.setAttribute("autocomplete", "off"); // a reload shows the server's draft, not the browser's memory
    for (const type of ["input", "change", "htmx:afterSettle", "htmx:afterRequest"]) {
      form.addEventListener(type, schedule);
    }
  }

  track(document.body);
  // Cards replaced by htmx (measurements, allergies) bring new forms; the visit form itself is never replaced.
  document.addEventListener("htmx:load", (event) => track(event.target));

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (event.defaultPrevented || !form.matches("form[data-unsaved-guard]")) return; // htmx sends its own
    submitting = form;
    if (autosaver && autosaver.form === form) autosaver.stop();
  });

  window.addEventListener("beforeunload", (event) => {
    if (!unsaved()) return;
    if (autosaver && changed(autosaver.form) && autosaver.form !== submitting) autosaver.save(true); // in case they leave
    event.preventDefault();
    event.returnValue = "";
  });

  window.addEventListener("pageshow", () => {
    submitting = null;
  });

  // A card's form sent by htmx that got no usable answer (htmx swaps only 2xx): say so in the form, whose
  // typed values stay as they were.
  function cardFailure(event) {
    const form = event.detail && event.detail.elt;
    if (!form || !form.matches || !form.matches("form[data-unsaved-guard][hx-post]")) return;
    let line = form.querySelector(".card-failure");
    if (!line) {
      line = document.createElement("p");
      line.className = "error card-failure";
      line.setAttribute("role", "alert");
      form.prepend(line);
    }
    line.textContent = cardFailed;
  }
  document.addEventListener("htmx:responseError", cardFailure);
  document.addEventListener("htmx:sendError", cardFailure);

  // Boosted htmx links replace the page without unloading it: ask the same question.
  document.addEventListener("htmx:beforeRequest", (event) => {
    if (event.detail.boosted && unsaved() && !window.confirm(leaveMessage)) event.preventDefault();
  });
})();
