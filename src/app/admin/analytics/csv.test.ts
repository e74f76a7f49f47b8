import { describe, expect, it } from "vitest";
import { toCsv } from "./csv.ts";

describe("toCsv", () => {
  it("writes a header and rows with CRLF, quoting commas, quotes and line breaks", () => {
    expect(toCsv(["model", "credits"], [["llama", "1.5"], ['say "hi", twice', 2], ["two\nlines", null]])).toBe(
      'model,credits\r\nllama,1.5\r\n"say ""hi"", twice",2\r\n"two\nlines",\r\n',
    );
  });

  it("keeps negative numbers as numbers and defuses formulas", () => {
    expect(toCsv(["a", "b", "c", "d"], [["-0.25", "=SUM(A1)", "@cmd", "-x"]])).toBe("a,b,c,d\r\n-0.25,'=SUM(A1),'@cmd,'-x\r\n");
  });
});
