/* The profile designer: page image with clickable text boxes, rectangles drawn by dragging,
   live preview and batch test through the server (which runs tsuchi's real extraction).
   No dependencies, no build step. The form works without this script; this only fills it in. */
(function () {
  "use strict";
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (event) {
      if (!window.confirm(f.dataset.confirm)) event.preventDefault();
    });
  });
  var form = document.getElementById("designer-form");
  if (!form) return;
  var base = form.dataset.base;
  var sample = form.dataset.sample;
  var strings = document.getElementById("designer-strings").dataset;
  var rows = document.getElementById("field-rows");
  var overlay = document.getElementById("page-overlay");
  var image = document.getElementById("page-image");
  var pageInput = document.getElementById("page-number");
  var errorBox = document.getElementById("designer-error");
  // The save's error stays until the clerk changes something; previews do not clear it.
  var keepSavedError = !errorBox.hidden;
  var page = { width: 210, height: 297, count: 0, boxes: [] };
  var csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  var nextIndex = 0;
  var noJs = form.querySelector(".nojs-add");
  if (noJs) noJs.remove();

  form.querySelectorAll(".field-row").forEach(function (row) {
    nextIndex = Math.max(nextIndex, Number(row.dataset.index) + 1);
  });

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function pct(value, total) { return (100 * value / total) + "%"; }

  function activeRow() {
    var radio = form.querySelector(".field-active:checked");
    return radio ? radio.closest(".field-row") : null;
  }

  function input(row, part) {
    return row.querySelector("[name=f-" + row.dataset.index + "-" + part + "]");
  }

  function showError(message) {
    errorBox.textContent = message || "";
    errorBox.hidden = !message;
  }

  var warningBox = document.getElementById("designer-warning");
  function showWarning(message) {
    warningBox.textContent = message ? strings.notReady + ": " + message : "";
    warningBox.hidden = !message;
  }

  /* ---- page and text boxes ---- */

  function loadPage(number) {
    if (!sample) return;
    number = Math.max(1, Math.min(number, page.count || number));
    pageInput.value = number;
    image.src = base + "samples/" + sample + "/pages/" + number + ".png";
    fetch(base + "samples/" + sample + "/pages/" + number + "/boxes.json", { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        page = { width: data.width_mm, height: data.height_mm, count: data.page_count, boxes: data.boxes };
        document.getElementById("page-count").textContent = data.page_count;
        pageInput.max = data.page_count;
        document.getElementById("page-stage").style.aspectRatio = data.width_mm + " / " + data.height_mm;
        drawBoxes();
        preview();
      });
  }

  function drawBoxes() {
    overlay.textContent = "";
    if (!page.boxes.length) overlay.appendChild(el("p", { "class": "no-boxes" }, strings.noBoxes));
    page.boxes.forEach(function (box, i) {
      var r = box.rect_mm;
      var button = el("button", {
        type: "button", "class": "text-box", "data-box": i,
        title: box.text, "aria-label": box.text,
      });
      place(button, r);
      overlay.appendChild(button);
    });
    drawFieldRects();
  }

  function place(node, r) {
    node.style.left = pct(r[0], page.width);
    node.style.top = pct(r[1], page.height);
    node.style.width = pct(r[2], page.width);
    node.style.height = pct(r[3], page.height);
  }

  function parseRect(text) {
    var parts = (text || "").split(/[\s,、，]+/).filter(Boolean).map(Number);
    return parts.length === 4 && parts.every(isFinite) ? parts : null;
  }

  function drawFieldRects() {
    overlay.querySelectorAll(".field-rect").forEach(function (n) { n.remove(); });
    var active = activeRow();
    form.querySelectorAll(".field-row").forEach(function (row) {
      var r = parseRect(input(row, "rect").value);
      if (!r) return;
      var box = el("div", { "class": "field-rect" + (row === active ? " active" : ""), "aria-hidden": "true" });
      box.appendChild(el("span", {}, input(row, "name").value));
      place(box, r);
      overlay.appendChild(box);
    });
  }

  function useBox(box) {
    var row = activeRow();
    if (!row) return;
    var name = input(row, "name").value;
    if (box.label) {
      input(row, "label").value = box.label;
    } else {
      var r = box.rect_mm;
      // A little margin: glyphs sit slightly outside pdfium's tight text rectangle.
      input(row, "rect").value = [r[0] - 0.5, r[1] - 0.5, r[2] + 1, r[3] + 1]
        .map(function (v) { return Math.max(0, Math.round(v * 10) / 10); }).join(", ");
    }
    var pattern = input(row, "pattern");
    if (box.pattern && !pattern.value && /number|code|postal/.test(name)) pattern.value = box.pattern;
    var proposal = row.querySelector(".proposal") || el("p", { "class": "proposal helptext" });
    proposal.textContent = box.label_text ? strings.proposed + ": " + box.label_text + " → " + box.value : box.value;
    row.querySelector(".field-value-line").after(proposal);
    changed();
  }

  /* dragging draws a rectangle for the selected field; a click without movement picks a box */
  var drag = null;
  var suppressClick = false;
  function mm(event) {
    var rect = overlay.getBoundingClientRect();
    return [
      (event.clientX - rect.left) / rect.width * page.width,
      (event.clientY - rect.top) / rect.height * page.height,
    ];
  }
  if (overlay) {
    overlay.addEventListener("pointerdown", function (event) {
      suppressClick = false;
      if (event.button !== 0) return;
      drag = { start: mm(event), node: null };
    });
    overlay.addEventListener("pointermove", function (event) {
      if (!drag) return;
      var now = mm(event);
      var r = [Math.min(drag.start[0], now[0]), Math.min(drag.start[1], now[1]),
        Math.abs(now[0] - drag.start[0]), Math.abs(now[1] - drag.start[1])];
      if (!drag.node && r[2] + r[3] < 2) return;
      if (!drag.node) {
        drag.node = el("div", { "class": "rubber-band", "aria-hidden": "true" });
        overlay.appendChild(drag.node);
        overlay.setPointerCapture(event.pointerId);
      }
      drag.rect = r;
      place(drag.node, r);
      event.preventDefault();
    });
    overlay.addEventListener("pointerup", function () {
      if (drag && drag.node) {
        drag.node.remove();
        suppressClick = true;
        var row = activeRow();
        if (row) {
          input(row, "rect").value = drag.rect.map(function (v) { return Math.round(v * 10) / 10; }).join(", ");
          changed();
        }
      }
      drag = null;
    });
    overlay.addEventListener("click", function (event) {
      if (suppressClick) { suppressClick = false; return; }
      var target = event.target.closest(".text-box");
      if (target) useBox(page.boxes[Number(target.dataset.box)]);
    });
  }

  /* ---- fields ---- */

  var KIND_DEFAULTS = {
    postal_code: { pattern: "\\d{3}-\\d{4}" },
    applicant_name: { strip_suffix: "様" },
  };

  function addField(name) {
    var html = document.getElementById("field-template").innerHTML.replace(/__i__/g, String(nextIndex));
    nextIndex += 1;
    var holder = el("div");
    holder.innerHTML = html;
    var row = holder.firstElementChild;
    rows.appendChild(row);
    input(row, "name").value = name;
    var defaults = KIND_DEFAULTS[name] || {};
    Object.keys(defaults).forEach(function (part) { input(row, part).value = defaults[part]; });
    row.querySelector(".field-active").checked = true;
    input(row, "name").focus();
    refreshFieldNames();
    drawFieldRects();
  }

  document.getElementById("add-field").addEventListener("click", function () {
    var kind = document.getElementById("new-field-kind").value;
    var typed = document.getElementById("new-field-name").value.trim();
    var name = kind || typed;
    if (!name) { document.getElementById("new-field-name").focus(); return; }
    addField(name);
    document.getElementById("new-field-name").value = "";
  });

  rows.addEventListener("click", function (event) {
    if (!event.target.classList.contains("remove-field")) return;
    event.target.closest(".field-row").remove();
    refreshFieldNames();
    changed();
  });

  function refreshFieldNames() {
    var list = document.getElementById("field-names");
    list.textContent = "";
    form.querySelectorAll(".field-name").forEach(function (n) {
      if (n.value) list.appendChild(el("option", { value: n.value }));
    });
  }

  /* ---- preview and test (the server runs the real split and extraction) ---- */

  var timer = null;
  function changed() {
    keepSavedError = false;
    drawFieldRects();
    clearTimeout(timer);
    timer = setTimeout(preview, 350);
  }

  function post(url) {
    var data = new FormData(form);
    return fetch(url, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf },
    }).then(function (r) { return r.json(); });
  }

  function preview() {
    post(base + "preview/").then(function (data) {
      if (data.error || !keepSavedError) showError(data.error);
      showWarning(data.warning);
      document.getElementById("toml-preview").textContent = data.toml || "";
      if (data.error) return;
      var problems = {};
      (data.problems || []).forEach(function (p) { problems[p.field] = p.message; });
      form.querySelectorAll(".field-row").forEach(function (row) {
        var name = input(row, "name").value;
        var out = row.querySelector(".field-value");
        var value = (data.values || {})[name];
        out.textContent = value !== undefined ? value : (problems[name] || "–");
        out.classList.toggle("missing", value === undefined);
      });
      if (data.notice_count !== undefined) document.getElementById("notice-count").textContent = data.notice_count;
      var info = document.getElementById("notice-info");
      if (info && data.notice) info.textContent = strings.noticePages + " " + data.notice.pages.join(", ");
    });
  }

  var testButton = document.getElementById("test-button");
  if (testButton) testButton.addEventListener("click", function () {
    var out = document.getElementById("test-result");
    out.textContent = strings.testing;
    post(base + "test/").then(function (data) {
      out.textContent = "";
      showError(data.error);
      if (data.error) return;
      out.appendChild(el("p", {}, strings.tested + ": " + data.pages_read + " / " + data.page_count +
        " — " + data.notice_count + " " + strings.notices));
      if (!data.complete) out.appendChild(el("p", { "class": "helptext" }, strings.partial));
      var table = el("table", { "class": "test-table" });
      var head = el("tr");
      [strings.field, strings.found, strings.missing, strings.where].forEach(function (t) {
        head.appendChild(el("th", { scope: "col" }, t));
      });
      table.appendChild(head);
      data.fields.forEach(function (f) {
        var tr = el("tr", f.missing ? { "class": "differs" } : {});
        tr.appendChild(el("th", { scope: "row" }, f.name));
        tr.appendChild(el("td", { "class": "num" }, String(f.found)));
        tr.appendChild(el("td", { "class": "num" }, String(f.missing)));
        var where = el("td");
        f.failures.forEach(function (x) {
          var link = el("button", { type: "button", "class": "link" },
            strings.notice + " " + x.notice + " (" + strings.pages + " " + x.pages.join(", ") + ")");
          link.title = x.message;
          link.addEventListener("click", function () { loadPage(x.pages[0]); });
          where.appendChild(link);
          where.appendChild(document.createTextNode(" "));
        });
        tr.appendChild(where);
        table.appendChild(tr);
      });
      var wrap = el("div", { "class": "table-wrap" });
      wrap.appendChild(table);
      out.appendChild(wrap);
      if (data.page_problems.length) {
        out.appendChild(el("p", {}, strings.pageProblems + ": " +
          data.page_problems.map(function (p) { return p.page; }).join(", ")));
      }
    });
  });

  /* ---- sample CSV: its headers become the column choices ---- */

  var csvInput = document.getElementById("sample-csv");
  csvInput.addEventListener("change", function () {
    if (!csvInput.files.length) return;
    var data = new FormData();
    data.append("sample_csv", csvInput.files[0]);
    fetch(base + "csv/", { method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRFToken": csrf } })
      .then(function (r) { return r.json(); })
      .then(function (result) {
        showError(result.error);
        if (result.error) return;
        var list = document.getElementById("csv-headers");
        list.textContent = "";
        result.columns.forEach(function (c) {
          list.appendChild(el("option", { value: c.header, label: c.header + " (" + c.example + ")" }));
        });
        document.getElementById("csv-info").textContent = strings.csvColumns + ": " +
          result.columns.map(function (c) { return c.header; }).join(", ");
      });
  });

  form.addEventListener("input", function (event) {
    if (event.target.id === "page-number") return;
    if (event.target.classList.contains("field-name")) refreshFieldNames();
    changed();
  });
  form.addEventListener("change", function (event) {
    if (event.target.classList.contains("field-active")) drawFieldRects();
  });
  if (pageInput) {
    pageInput.addEventListener("change", function () { loadPage(Number(pageInput.value) || 1); });
    document.getElementById("prev-page").addEventListener("click", function () { loadPage(Number(pageInput.value) - 1); });
    document.getElementById("next-page").addEventListener("click", function () { loadPage(Number(pageInput.value) + 1); });
    loadPage(Number(pageInput.value) || 1);
  } else {
    preview();
  }
})();
