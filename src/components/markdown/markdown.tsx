"use client";

import { memo, useMemo, type ComponentProps } from "react";
import ReactMarkdown, { type Components } from "react-markdown";
import rehypeHighlight from "rehype-highlight";
import remarkGfm from "remark-gfm";
import { splitBlocks } from "./blocks.ts";
import { CopyButton } from "./copy-button.tsx";
import { hastText, type HastLike } from "./hast-text.ts";
import { safeUrl } from "./safe-url.ts";
import "./markdown.css";

/**
 * A model's (or a person's) Markdown, rendered safely: GitHub tables, task lists and strikethrough
 * (remark-gfm), highlighted code blocks with a language label and a Copy button. Safe by
 * construction: there is no rehype-raw, so raw HTML is shown as text; every URL goes through
 * `safeUrl` (absolute http, https and mailto only), links open in a new tab with
 * rel="noopener noreferrer", and images are never loaded (the model chooses their URL, which
 * would be a tracking pixel): they render as a link to the image.
 *
 * The text is split into top-level blocks and each block is memoized by its text, so while an
 * answer streams only its last block is parsed again per delta.
 */
export function Markdown(props: { text: string; className?: string }) {
  const blocks = useMemo(() => splitBlocks(props.text), [props.text]);
  return (
    <div className={`md${props.className ? ` ${props.className}` : ""}`}>
      {blocks.map((block, i) => (
        <MarkdownBlock key={i} text={block} />
      ))}
    </div>
  );
}

const remarkPlugins = [remarkGfm];
// Only the languages a fence names are highlighted: guessing costs time on every delta.
const rehypePlugins: ComponentProps<typeof ReactMarkdown>["rehypePlugins"] = [[rehypeHighlight, { detect: false }]];

const urlTransform = (url: string) => safeUrl(url) ?? "";

const components: Components = {
  a({ href, children }) {
    const url = safeUrl(href);
    if (!url) return <span className="md-link-inert">{children}</span>;
    return (
      <a href={url} target="_blank" rel="noopener noreferrer">
        {children}
      </a>
    );
  },
  img({ src, alt }) {
    const url = typeof src === "string" ? safeUrl(src) : null;
    const label = alt || "image";
    if (!url || url.startsWith("mailto:")) return <span className="md-image">[{label}]</span>;
    return (
      <a className="md-image" href={url} target="_blank" rel="noopener noreferrer">
        [Image: {label}]
      </a>
    );
  },
  pre({ node, children }) {
    const code = (node?.children ?? []).find((c) => c.type === "element" && c.tagName === "code");
    const classes = code && code.type === "element" ? code.properties.className : undefined;
    const language = (Array.isArray(classes) ? classes : []).map(String).find((c) => c.startsWith("language-"))?.slice("language-".length) ?? "";
    const source = () => hastText(code as HastLike | undefined).replace(/\n$/, "");
    return (
      <div className="md-code" data-language={language || undefined}>
        <div className="md-code-head">
          <span className="md-code-lang">{language || "text"}</span>
          <CopyButton text={source} label={`Copy ${language || "code"}`} className="md-copy" />
        </div>
        <pre tabIndex={0}>{children}</pre>
      </div>
    );
  },
  table({ children }) {
    // Wide tables scroll sideways inside the message; the wrapper is focusable so keyboards can scroll it.
    return (
      <div className="md-table" tabIndex={0} role="group" aria-label="Table">
        <table>{children}</table>
      </div>
    );
  },
  input({ checked, type }) {
    if (type !== "checkbox") return null;
    return <input type="checkbox" checked={!!checked} disabled readOnly aria-label={checked ? "Done" : "Not done"} />;
  },
};

const MarkdownBlock = memo(function MarkdownBlock(props: { text: string }) {
  return (
    <ReactMarkdown remarkPlugins={remarkPlugins} rehypePlugins={rehypePlugins} urlTransform={urlTransform} components={components}>
      {props.text}
    </ReactMarkdown>
  );
});
