// Folio's rich text editor: TipTap (ProseMirror) bundled by esbuild into one script,
// `public/editor/folio-editor.js` (scripts/build-editor), that the editor page loads on demand.
// The Leptos component (app/src/routes/admin/editor/engine.rs) drives it through the global
// `FolioEditor`: it mounts the editor, runs toolbar commands and reads the HTML to save.
// What the browser sends is never trusted: the server sanitises every body it stores.

import { Editor, Node, mergeAttributes } from "@tiptap/core";
import StarterKit from "@tiptap/starter-kit";
import Image from "@tiptap/extension-image";

/// An image with alt text and an optional caption, stored as
/// `<figure><img src alt><figcaption>caption</figcaption></figure>`.
const Figure = Node.create({
  name: "figure",
  group: "block",
  atom: true,
  draggable: true,

  addAttributes() {
    return {
      src: { default: null },
      alt: { default: "" },
      caption: { default: "" },
    };
  },

  parseHTML() {
    return [
      {
        tag: "figure",
        getAttrs: (element) => {
          const img = element.querySelector("img");
          if (!img || !img.getAttribute("src")) return false;
          const caption = element.querySelector("figcaption");
          return {
            src: img.getAttribute("src"),
            alt: img.getAttribute("alt") || "",
            caption: caption ? caption.textContent.trim() : "",
          };
        },
      },
    ];
  },

  renderHTML({ node }) {
    const img = ["img", { src: node.attrs.src, alt: node.attrs.alt }];
    return node.attrs.caption
      ? ["figure", mergeAttributes({}), img, ["figcaption", {}, node.attrs.caption]]
      : ["figure", mergeAttributes({}), img];
  },
});

/// Word processors and web pages paste styles, classes, comments and Office namespaces; the
/// editor's schema drops every element and attribute it does not know, and this removes what
/// would otherwise leak in as text (style sheets, conditional comments, meta and XML blocks).
function cleanPastedHtml(html) {
  return html
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<(style|script|meta|link|xml|title)[\s\S]*?(<\/\1>|\/?>)/gi, "")
    .replace(/<\/?o:p[^>]*>/gi, "");
}

const BLOCKS = [
  ["heading", { level: 2 }, "h2"],
  ["heading", { level: 3 }, "h3"],
  ["heading", { level: 4 }, "h4"],
  ["codeBlock", {}, "codeBlock"],
  ["blockquote", {}, "blockquote"],
  ["bulletList", {}, "bulletList"],
  ["orderedList", {}, "orderedList"],
];

const MARKS = ["bold", "italic", "strike", "code", "link"];

/// The editor's state as the toolbar shows it, as JSON text (so the Rust side deserialises
/// one value): active marks and blocks, the current link and code language, undo/redo
/// availability, and the plain text (for the word count).
function describe(editor) {
  const active = [];
  for (const mark of MARKS) if (editor.isActive(mark)) active.push(mark);
  for (const [name, attrs, key] of BLOCKS) if (editor.isActive(name, attrs)) active.push(key);
  return JSON.stringify({
    active,
    link: editor.isActive("link") ? editor.getAttributes("link").href || "" : null,
    language: editor.isActive("codeBlock") ? editor.getAttributes("codeBlock").language || "" : null,
    can_undo: editor.can().undo(),
    can_redo: editor.can().redo(),
    text: editor.getText({ blockSeparator: "\n" }),
  });
}

/// A mounted editor, as the Leptos component holds it.
class FolioEditorHandle {
  constructor(element, html, onChange, onState) {
    this.editor = new Editor({
      element,
      content: html,
      // The page's Content-Security-Policy allows no inline <style>: the editor's few rules are
      // in style/main.css instead.
      injectCSS: false,
      extensions: [
        StarterKit.configure({
          heading: { levels: [2, 3, 4] },
          underline: false,
          link: {
            openOnClick: false,
            autolink: true,
            protocols: ["http", "https", "mailto"],
            HTMLAttributes: { rel: "noopener noreferrer", target: null },
          },
        }),
        Figure,
        Image.configure({ inline: false }),
      ],
      editorProps: {
        attributes: {
          class: "editor-content prose",
          role: "textbox",
          "aria-multiline": "true",
          "aria-label": "Post body",
        },
        transformPastedHTML: cleanPastedHtml,
      },
      onUpdate: () => onChange(this.editor.getHTML()),
      onTransaction: () => onState(describe(this.editor)),
    });
    onState(describe(this.editor));
  }

  /// The document as HTML.
  html() {
    return this.editor.getHTML();
  }

  /// Replaces the document (a restored revision or recovered text) without adding to undo history
  /// of the previous document.
  setHtml(html) {
    this.editor.commands.setContent(html, { emitUpdate: true });
  }

  focus() {
    this.editor.commands.focus();
  }

  /// Runs a toolbar command; `arg` is a string where one is needed (a link's URL, a code
  /// block's language, an image as JSON `{src, alt, caption}`). Returns whether it applied.
  run(command, arg) {
    const chain = this.editor.chain().focus();
    switch (command) {
      case "bold": return chain.toggleBold().run();
      case "italic": return chain.toggleItalic().run();
      case "strike": return chain.toggleStrike().run();
      case "code": return chain.toggleCode().run();
      case "paragraph": return chain.setParagraph().run();
      case "h2": return chain.toggleHeading({ level: 2 }).run();
      case "h3": return chain.toggleHeading({ level: 3 }).run();
      case "h4": return chain.toggleHeading({ level: 4 }).run();
      case "bulletList": return chain.toggleBulletList().run();
      case "orderedList": return chain.toggleOrderedList().run();
      case "blockquote": return chain.toggleBlockquote().run();
      case "codeBlock": return chain.toggleCodeBlock({ language: arg || null }).run();
      case "language": return chain.updateAttributes("codeBlock", { language: arg || null }).run();
      case "hr": return chain.setHorizontalRule().run();
      case "undo": return chain.undo().run();
      case "redo": return chain.redo().run();
      case "link":
        if (!arg) return chain.extendMarkRange("link").unsetLink().run();
        if (this.editor.state.selection.empty && !this.editor.isActive("link")) {
          return chain
            .insertContent({ type: "text", text: arg, marks: [{ type: "link", attrs: { href: arg } }] })
            .run();
        }
        return chain.extendMarkRange("link").setLink({ href: arg }).run();
      case "image": {
        const { src, alt, caption } = JSON.parse(arg);
        return chain.insertContent({ type: "figure", attrs: { src, alt: alt || "", caption: caption || "" } }).run();
      }
      default:
        return false;
    }
  }

  destroy() {
    this.editor.destroy();
  }
}

globalThis.FolioEditor = {
  /// Mounts an editor in `element` with `html`; `onChange(html)` runs after every edit,
  /// `onState(json)` after every transaction (see `describe`).
  mount(element, html, onChange, onState) {
    return new FolioEditorHandle(element, html, onChange, onState);
  },
};
