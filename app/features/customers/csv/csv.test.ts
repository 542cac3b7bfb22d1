/**
 * The import's pure parts: columns guessed from headers, rows checked with the form's rules
 * (status in any case, rejections with reasons), and Papa Parse with the worker's options on the
 * files spreadsheets write (quotes, line breaks in quotes, a BOM, `;` and `\r\n`).
 */
import Papa from "papaparse";
import { describe, expect, it } from "vitest";
import { guessMapping, missingRequired } from "./columns";
import { checkRow, checkRows } from "./rows";

describe("guessMapping", () => {
  it("recognises the usual header names, each field once, and leaves the rest out", () => {
    expect(
      guessMapping(["Full Name", "E-mail Address", "Company name", "Phone number", "Stage", "Comments", "Email", "Age"]),
    ).toEqual(["name", "email", "company", "phone", "status", "notes", null, null]);
    expect(missingRequired(guessMapping(["Name", "Company"]))).toEqual(["email"]);
  });
});

describe("checkRow", () => {
  const mapping = guessMapping(["name", "email", "status", "company"]);

  it("matches a status as people type it and trims the fields as the form does", () => {
    expect(checkRow([" Ada ", "ada@example.com ", "Active", ""], 2, mapping)).toEqual({
      ok: true,
      row: { row: 2, name: "Ada", email: "ada@example.com", status: "active" },
    });
  });

  it("gives no status when the cell is empty (an update keeps the customer's)", () => {
    expect(checkRow(["Ada", "ada@example.com", " ", "Engines"], 3, mapping)).toEqual({
      ok: true,
      row: { row: 3, name: "Ada", email: "ada@example.com", company: "Engines" },
    });
  });

  it("rejects a row with every reason, keeping its cells as the file had them", () => {
    expect(checkRow(["", "not-an-email", "Prospect", "Engines"], 4, mapping)).toEqual({
      ok: false,
      rejected: {
        row: 4,
        cells: ["", "not-an-email", "Prospect", "Engines"],
        reason: "Name: Enter a name; Email: Enter a valid email address; Status: Choose lead, active or inactive",
      },
    });
    // A short record (fewer cells than columns) reads the missing ones as empty.
    expect(checkRow(["Bo"], 5, mapping)).toMatchObject({ ok: false, rejected: { reason: "Email: Enter an email address" } });
  });

  it("numbers records as a spreadsheet does: the header is row 1", () => {
    const { rows, rejected } = checkRows(
      [
        ["Ada", "ada@example.com", "", ""],
        ["", "x", "", ""],
      ],
      mapping,
    );
    expect(rows.map((r) => r.row)).toEqual([2]);
    expect(rejected.map((r) => r.row)).toEqual([3]);
  });
});

describe("Papa Parse with the worker's options", () => {
  const parse = (text: string) => Papa.parse<string[]>(text, { skipEmptyLines: "greedy" });

  it("reads quoted commas, line breaks and quotes inside quotes, a BOM and \\r\\n", () => {
    const result = parse(
      '\uFEFFname,email,notes\r\n"Lovelace, Ada",ada@example.com,"Line one\r\nline ""two"""\r\n\r\nBo,bo@example.com,\r\n',
    );
    expect(result.errors).toEqual([]);
    expect(result.data).toEqual([
      ["name", "email", "notes"],
      ["Lovelace, Ada", "ada@example.com", 'Line one\r\nline "two"'],
      ["Bo", "bo@example.com", ""],
    ]);
  });

  it("detects the semicolons European spreadsheets write", () => {
    const result = parse("Name;E-mail;Firma\nJörg;jorg@example.de;Müller, GmbH\n");
    expect(result.meta.delimiter).toBe(";");
    expect(result.data[1]).toEqual(["Jörg", "jorg@example.de", "Müller, GmbH"]);
    expect(guessMapping(result.data[0]!)).toEqual(["name", "email", "company"]);
  });
});
