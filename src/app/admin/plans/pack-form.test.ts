import { describe, expect, it } from "vitest";
import { emptyPackRow, packsOfRows, rowOfPack } from "./pack-form.ts";

describe("credit pack editor rows", () => {
  it("round-trips a pack: price in cents, name and currency only when given", () => {
    const row = rowOfPack({ id: "team", name: "Team", credits: "2500.5", priceCents: 1999, currency: "eur" }, 7);
    expect(row).toEqual({ key: 7, id: "team", name: "Team", credits: "2500.5", price: "19.99", currency: "eur" });
    expect(packsOfRows([{ ...row, id: " team ", name: "  ", currency: " EUR " }, { ...emptyPackRow(8), id: "x", credits: "5", price: "5", currency: "" }])).toEqual({
      ok: true,
      packs: [
        { id: "team", credits: "2500.5", priceCents: 1999, currency: "eur" },
        { id: "x", credits: "5", priceCents: 500 },
      ],
    });
  });

  it("refuses a price that is not an amount at that row's price field, and leaves the rest to the server", () => {
    expect(packsOfRows([{ ...emptyPackRow(0), id: "a", credits: "0", price: "5" }, { ...emptyPackRow(1), price: "4.999" }])).toEqual({ ok: false, errors: { "1.priceCents": "A price like 5 or 4.99" } });
  });
});
