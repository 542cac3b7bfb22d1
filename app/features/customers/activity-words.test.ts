import { describe, expect, it } from "vitest";
import { describeActivity } from "./activity-words";

describe("describeActivity", () => {
  const by = (change: Parameters<typeof describeActivity>[0]["change"]) => describeActivity({ actorName: "Ada", change });

  it("words each kind of change as a sentence", () => {
    expect(by({ kind: "created" })).toBe("Ada created this customer");
    expect(by({ kind: "created", importedFrom: "customers.csv" })).toBe("Ada imported this customer from customers.csv");
    expect(by({ kind: "status", from: "lead", to: "active" })).toBe("Ada changed status from Lead to Active");
    expect(by({ kind: "field", field: "email", from: "a@example.com", to: "b@example.com" })).toBe(
      "Ada changed email from “a@example.com” to “b@example.com”",
    );
    expect(by({ kind: "field", field: "phone", to: "+1 555 0100" })).toBe("Ada set phone to “+1 555 0100”");
    expect(by({ kind: "field", field: "company", from: "Acme" })).toBe("Ada cleared company (was “Acme”)");
    expect(by({ kind: "note", action: "added" })).toBe("Ada added a note");
    expect(by({ kind: "note", action: "edited" })).toBe("Ada edited a note");
    expect(by({ kind: "note", action: "deleted" })).toBe("Ada deleted a note");
    expect(by({ kind: "file", action: "attached", name: "contract.pdf" })).toBe("Ada attached the file “contract.pdf”");
    expect(by({ kind: "file", action: "removed", name: "contract.pdf" })).toBe("Ada removed the file “contract.pdf”");
  });

  it("names the summary as the Overview does, on one line and cut short when long", () => {
    expect(by({ kind: "field", field: "notes", from: "line one\nline two", to: "x".repeat(200) })).toBe(
      `Ada changed summary from “line one line two” to “${"x".repeat(79)}…”`,
    );
  });
});
