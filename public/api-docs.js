// Starts Swagger UI on Folio's OpenAPI document (/api/docs/). Kept as a file so the page needs
// no inline script under the Content-Security-Policy.
(function () {
  var root = document.getElementById("swagger-ui");
  if (typeof window.SwaggerUIBundle !== "function") {
    root.textContent = "The documentation viewer is not installed on this server; the OpenAPI document is at /api/schema/.";
    return;
  }
  window.ui = window.SwaggerUIBundle({
    url: root.getAttribute("data-schema-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    withCredentials: true,
  });
})();
