// Draws a network page's graph with the vendored cytoscape.js, from the JSON route named by the container's
// data-graph attribute (same origin, the session cookie). Labels are set as data, never as HTML.
"use strict";
(function () {
  const box = document.getElementById("graph");
  const status = document.getElementById("graph-status");
  if (!box || typeof cytoscape !== "function") return;
  fetch(box.dataset.graph, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) {
      if (!r.ok) throw new Error("the graph could not be loaded (" + r.status + ")");
      return r.json();
    })
    .then(function (elements) {
      const cy = cytoscape({
        container: box,
        elements: elements,
        layout: { name: "cose", animate: false },
        style: [
          { selector: "node", style: { label: "data(label)", "font-size": 9, "text-valign": "bottom" } },
          { selector: "node[kind = 'item']", style: { shape: "ellipse", "background-color": "#1565c0" } },
          { selector: "node[kind = 'reason']", style: { shape: "round-rectangle", "background-color": "#e65100" } },
          { selector: "node[kind = 'reason'][!merged]", style: { "background-opacity": 0.2, "border-width": 2 } },
          { selector: "edge", style: { width: 1, "line-color": "#999" } },
        ],
      });
      cy.on("tap", "node[kind = 'item']", function (event) {
        window.location.assign(box.dataset.itemHref + encodeURIComponent(event.target.data("label")));
      });
      box.dataset.nodes = String(cy.nodes().length);
      box.dataset.edges = String(cy.edges().length);
      status.textContent = cy.nodes().length + " nodes, " + cy.edges().length + " links";
    })
    .catch(function (err) {
      status.textContent = String(err.message || err);
    });
})();
