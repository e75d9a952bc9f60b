// Kassa pages: idle log-out, and document uploads (raw bytes to the API with the CSRF header).
(function () {
  "use strict";
  var meta = function (name) { var m = document.querySelector('meta[name="' + name + '"]'); return m ? m.content : ""; };
  var idleMs = parseInt(meta("kassa-idle-ms"), 10);
  if (idleMs > 0) {
    var timer;
    var reset = function () {
      clearTimeout(timer);
      timer = setTimeout(function () { window.location.href = meta("kassa-login") + "?idle=1"; }, idleMs);
    };
    ["click", "keydown", "touchstart", "scroll"].forEach(function (e) { document.addEventListener(e, reset, { passive: true }); });
    reset();
  }
  document.querySelectorAll("input[type=file][data-upload]").forEach(function (input) {
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) { return; }
      var status = document.getElementById(input.id + "-status");
      fetch(input.dataset.upload, { method: "PUT", body: file, credentials: "same-origin", headers: { "X-CSRF-Token": meta("kassa-csrf") } })
        .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
        .then(function (r) {
          if (status) { status.textContent = r.ok ? "✓ " + file.name : "✗ " + (r.body.reason || "upload failed"); status.className = r.ok ? "ok" : "bad"; }
          if (r.ok && input.dataset.reload) { window.location.reload(); }
        });
    });
  });
  // A CSV chosen with a file input goes into the form's text area (sent with the form).
  document.querySelectorAll("input[type=file][data-into]").forEach(function (input) {
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      var target = document.getElementById(input.dataset.into);
      if (!file || !target) { return; }
      file.text().then(function (text) { target.value = text; });
    });
  });
})();
