import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Markdown } from "./markdown.tsx";

const render = (text: string) => renderToStaticMarkup(createElement(Markdown, { text }));

describe("Markdown safety", () => {
  it("shows a <script> as text, never as an element", () => {
    const html = render('Hello <script>alert("x")</script> there\n\n<script>\nalert(1)\n</script>');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain("&lt;script&gt;");
  });

  it("escapes raw HTML (tags, attributes, handlers)", () => {
    const html = render('<img src="x" onerror="alert(1)">\n\n<div style="position:fixed">overlay</div> and <b>bold</b>');
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<div style/i);
    expect(html).not.toMatch(/<b>/i);
    expect(html).toContain("&lt;img");
    expect(html).toContain("&lt;b&gt;bold&lt;/b&gt;");
  });

  it.each([
    ["[click](javascript:alert(1))", "click"],
    ["[click](JaVaScRiPt:alert(1))", "click"],
    ["[click](data:text/html;base64,PHNjcmlwdD4=)", "click"],
    ["[click](vbscript:msgbox)", "click"],
    ["[click](/admin/users)", "click"],
    ["[click](//evil.example/x)", "click"],
    ["<javascript:alert(1)>", "javascript:alert(1)"],
  ])("%s renders with no href", (source, text) => {
    const html = render(source);
    expect(html).not.toMatch(/href=/);
    expect(html).not.toMatch(/javascript:alert\(1\)"/);
    expect(html).toContain(text);
  });

  it("opens http(s) and mailto links in a new tab without an opener or referrer", () => {
    const html = render("[site](https://example.com/a?b=1) and <mailto:a@example.com> and http://plain.example");
    expect(html).toContain('<a href="https://example.com/a?b=1" target="_blank" rel="noopener noreferrer">site</a>');
    expect(html).toContain('href="mailto:a@example.com"');
    expect(html).toContain('href="http://plain.example/"');
    expect(html.match(/rel="noopener noreferrer"/g)).toHaveLength(3);
  });

  it("never loads an image from the answer: it becomes a link to it", () => {
    const html = render("![a cat](https://tracker.example/pixel.gif) ![x](javascript:alert(1))");
    expect(html).not.toMatch(/<img/i);
    expect(html).toContain('href="https://tracker.example/pixel.gif"');
    expect(html).toContain("[Image: a cat]");
    expect(html).toContain("[x]");
    expect(html).not.toContain("javascript:");
  });
});

describe("Markdown rendering", () => {
  it("renders GFM tables, lists, task lists and a highlighted code block with its language and a Copy button", () => {
    const html = render(
      ["| Name | Qty |", "|---|---:|", "| apples | 3 |", "", "- one", "- two", "", "- [x] done", "- [ ] todo", "", "```ts", "const x: number = 1;", "```"].join("\n"),
    );
    expect(html).toMatch(/<table>.*<th>Name<\/th>.*<td>apples<\/td>/s);
    expect(html).toMatch(/<ul>\s*<li>one<\/li>/);
    expect(html).toContain('aria-label="Done"');
    expect(html).toContain('aria-label="Not done"');
    expect(html).toMatch(/<code class="hljs language-ts">.*<span class="hljs-keyword">const<\/span>/s);
    expect(html).toContain('<span class="md-code-lang">ts</span>');
    expect(html).toContain(">Copy<");
  });

  it("keeps a code block's blank lines inside one block", () => {
    const html = render("```python\ndef f():\n\n    return 1\n```");
    expect(html.match(/<pre/g)).toHaveLength(1);
    expect(html).toContain("return");
  });

  it("shows an unterminated fence (still streaming) as code", () => {
    const html = render("Here:\n\n```js\nlet a = 1;\n\nlet b");
    expect(html.match(/<pre/g)).toHaveLength(1);
    expect(html).toMatch(/let<\/span> b\n<\/code><\/pre>/);
  });
});
