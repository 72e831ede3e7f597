// Lineup: drag rows to reorder; the new order is saved at once (POST /shows/{id}/lineup/order).
(function () {
  "use strict";
  const table = document.getElementById("lineup");
  if (!table) return;
  const body = table.tBodies[0];
  const status = document.getElementById("order-status");
  let dragged = null;

  function save() {
    const order = Array.from(body.rows).map((row) => row.dataset.id).join(",");
    const data = new URLSearchParams({ order: order, csrf_token: table.dataset.csrf });
    fetch(table.dataset.orderUrl, { method: "POST", body: data, credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) throw new Error(String(response.status));
        Array.from(body.rows).forEach((row, i) => (row.dataset.position = String(i + 1)));
        if (status) status.textContent = table.dataset.saved;
      })
      .catch(() => {
        if (status) status.textContent = table.dataset.failed;
      });
  }

  body.addEventListener("dragstart", (event) => {
    dragged = event.target.closest("tr");
    if (!dragged) return;
    dragged.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.dataset.id);
  });
  body.addEventListener("dragover", (event) => {
    if (!dragged) return;
    event.preventDefault();
    const over = event.target.closest("tr");
    if (!over || over === dragged) return;
    const rect = over.getBoundingClientRect();
    const after = event.clientY > rect.top + rect.height / 2;
    body.insertBefore(dragged, after ? over.nextSibling : over);
  });
  body.addEventListener("drop", (event) => event.preventDefault());
  body.addEventListener("dragend", () => {
    if (!dragged) return;
    dragged.classList.remove("dragging");
    dragged = null;
    save();
  });
})();
