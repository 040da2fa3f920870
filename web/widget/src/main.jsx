// Entry of dist/widget.js: one script tag embeds the chat on any page of the provincial site.
//   <script src="https://<api>/static/widget/widget.js" data-api="https://<api>"></script>
// Optional: data-target="<element id>" draws it inside that element (as on the landing page) instead
// of a floating button; data-title="..." names it. Everything is in a shadow root: the page's styles
// do not change the widget and chatui's styles do not change the page. Nothing is fetched from a CDN.
import chatuiCss from "@chatui/core/dist/index.css?inline";
import React from "react";
import { createRoot } from "react-dom/client";
import { scopeChatuiCss } from "./logic.js";
import ownCss from "./style.css?inline";
import { Widget } from "./Widget.jsx";

function mount(script) {
  const api = (script.dataset.api || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  const target = script.dataset.target ? document.getElementById(script.dataset.target) : null;
  const host = document.createElement("div");
  host.id = "gz-afterlife-chat";
  if (target) target.appendChild(host);
  else document.body.appendChild(host);
  const shadow = host.attachShadow({ mode: "open" });
  const style = document.createElement("style");
  style.textContent = scopeChatuiCss(chatuiCss) + "\n" + ownCss;
  shadow.appendChild(style);
  const container = document.createElement("div");
  container.className = "gzw-root";
  shadow.appendChild(container);
  createRoot(container).render(
    <Widget api={api} inline={Boolean(target)} title={script.dataset.title || "身后事在线咨询"} />,
  );
}

const script = document.currentScript;
if (script) {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => mount(script));
  else mount(script);
}
