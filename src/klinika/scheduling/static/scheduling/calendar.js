/* The calendar grid: keyboard navigation, drag a visit onto a free slot, today's line.
 * Plain JS from our own static files (the CSP allows no inline script); listeners sit on the
 * document so that grids swapped in by htmx work without re-binding.
 * Keys: arrows move between cells, Home/End go to the first/last row, Enter opens the cell's link
 * (or presses its button), Page Up / Page Down go to the previous / next day (week), T to today. */
(function () {
  "use strict";
  var dragging = null;
  var focusAfterSwap = false;

  function cellAt(grid, col, row) {
    var cells = grid.querySelectorAll("[data-cell]");
    for (var i = 0; i < cells.length; i++) {
      var c = cells[i], start = +c.dataset.row, span = +c.dataset.span;
      if (+c.dataset.col === col && start <= row && row < start + span) { return c; }
    }
    return null;
  }

  function focusCell(grid, cell) {
    if (!cell) { return; }
    grid.querySelectorAll('[data-cell][tabindex="0"]').forEach(function (c) { c.tabIndex = -1; });
    cell.tabIndex = 0;
    cell.focus();
  }

  function nav(which) {
    var link = document.querySelector('#calendar [data-nav="' + which + '"]');
    if (link) { focusAfterSwap = true; link.click(); }
  }

  function typing(target) {
    return /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName) || target.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) { return; }
    if (!document.querySelector("[data-calendar-grid]")) { return; }
    if (event.key === "PageUp") { event.preventDefault(); nav("previous"); return; }
    if (event.key === "PageDown") { event.preventDefault(); nav("next"); return; }
    if (event.key === "t" || event.key === "T") { nav("today"); return; }
    var cell = event.target.closest && event.target.closest("[data-cell]");
    if (!cell || event.target !== cell) { return; }
    var grid = cell.closest("[data-calendar-grid]");
    var col = +cell.dataset.col, row = +cell.dataset.row, span = +cell.dataset.span;
    var rows = grid.querySelectorAll("tbody tr").length, target = null;
    switch (event.key) {
      case "ArrowDown": target = cellAt(grid, col, row + span); break;
      case "ArrowUp": target = cellAt(grid, col, row - 1); break;
      case "ArrowLeft": target = cellAt(grid, col - 1, row); break;
      case "ArrowRight": target = cellAt(grid, col + 1, row); break;
      case "Home": target = cellAt(grid, col, 0); break;
      case "End": target = cellAt(grid, col, rows - 1); break;
      case "Enter":
        var action = cell.querySelector("a.gap, button, .cal-visit > a, a");
        if (action) { event.preventDefault(); action.click(); }
        return;
      default: return;
    }
    event.preventDefault();
    focusCell(grid, target);
  });

  document.addEventListener("htmx:afterSettle", function () {
    markNow();
    if (!focusAfterSwap) { return; }
    focusAfterSwap = false;
    var first = document.querySelector('[data-calendar-grid] [data-cell][tabindex="0"]');
    if (first) { first.focus(); }
  });

  document.addEventListener("dragstart", function (event) {
    var visit = event.target.closest && event.target.closest("[data-move-appointment]");
    if (!visit) { return; }
    dragging = visit.dataset.moveAppointment;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragging);
  });
  document.addEventListener("dragend", function () { dragging = null; });
  document.addEventListener("dragover", function (event) {
    var target = dragging && event.target.closest && event.target.closest("[data-drop-starts]");
    if (target) { event.preventDefault(); event.dataTransfer.dropEffect = "move"; target.classList.add("drop-hover"); }
  });
  document.addEventListener("dragleave", function (event) {
    var target = event.target.closest && event.target.closest("[data-drop-starts]");
    if (target) { target.classList.remove("drop-hover"); }
  });
  document.addEventListener("drop", function (event) {
    var target = event.target.closest && event.target.closest("[data-drop-starts]");
    var form = document.getElementById("move-form");
    var id = dragging || (event.dataTransfer && event.dataTransfer.getData("text/plain"));
    if (!target || !form || !/^\d+$/.test(id || "")) { return; }
    event.preventDefault();
    form.action = form.dataset.urlTemplate.replace("/0/", "/" + id + "/");
    form.elements.practitioner.value = target.dataset.practitioner;
    form.elements.starts_at.value = target.dataset.dropStarts;
    dragging = null;
    form.submit();
  });

  /* Today's line: the row holding the current time in a grid that shows today, moved every minute.
   * The time is the clinic's, as the server gave it with the page (the browser's clock may be set to
   * another zone), advanced by the minutes since. */
  function markNow() {
    var grid = document.querySelector("[data-calendar-grid]");
    if (!grid || grid.dataset.nowMinutes === undefined) { return; }
    if (!grid.dataset.loadedAt) { grid.dataset.loadedAt = String(Date.now()); }
    var minutes = +grid.dataset.nowMinutes + Math.floor((Date.now() - +grid.dataset.loadedAt) / 60000);
    var step = +grid.dataset.step || 15;
    var showsToday = minutes < 24 * 60 && !!grid.querySelector('thead [data-date="' + grid.dataset.today + '"]');
    grid.querySelectorAll("tbody tr[data-time]").forEach(function (tr) {
      var parts = tr.dataset.time.split(":"), start = +parts[0] * 60 + +parts[1];
      tr.classList.toggle("is-now", showsToday && start <= minutes && minutes < start + step);
    });
  }
  document.addEventListener("DOMContentLoaded", markNow);
  window.setInterval(markNow, 60000);
})();
