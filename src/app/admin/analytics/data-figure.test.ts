import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { DataFigure } from "./data-figure.tsx";

const render = (rows: (string | number | null)[][]) =>
  renderToStaticMarkup(
    createElement(DataFigure, {
      title: "Credits by model",
      testId: "chart-model",
      fileName: "by-model.csv",
      columns: [{ header: "Model" }, { header: "Credits", num: true }],
      rows,
      chart: createElement("svg", { "data-chart": "yes" }),
    }),
  );

describe("DataFigure", () => {
  it("puts the chart out of screen readers' way and the same figures in a table, with a CSV button", () => {
    const html = render([
      ["llama", "1.5"],
      ["premium", null],
    ]);
    expect(html).toContain('<div class="usage-chart" aria-hidden="true"><svg data-chart="yes"></svg></div>');
    expect(html).toContain("<caption class=\"visually-hidden\">Credits by model</caption>");
    expect(html).toContain('<th scope="col">Model</th><th scope="col" class="num">Credits</th>');
    expect(html).toContain('<th scope="row">llama</th><td class="num">1.5</td>');
    expect(html).toContain('<th scope="row">premium</th><td class="num">—</td>');
    expect(html).toMatch(/<button type="button" class="button secondary" data-testid="chart-model-csv">Download CSV<span class="visually-hidden">: Credits by model<\/span><\/button>/);
  });

  it("says so when the period has nothing, with no chart and the CSV button disabled", () => {
    const html = render([]);
    expect(html).toContain("Nothing in this period.");
    expect(html).not.toContain("data-chart");
    expect(html).toMatch(/<button[^>]*disabled=""/);
  });
});
