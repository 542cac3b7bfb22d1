/**
 * Which CSV column holds which customer field: guessed from the header row (people name their
 * columns many ways: "E-mail", "Company name", "Phone number"), changeable by the user.
 */
export const IMPORT_FIELDS = ["name", "email", "company", "phone", "status", "notes"] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

export const FIELD_LABELS: Record<ImportField, string> = {
  name: "Name",
  email: "Email",
  company: "Company",
  phone: "Phone",
  status: "Status",
  notes: "Notes",
};

/** For each column of the file, the field it fills, or null when it is left out. */
export type ColumnMapping = (ImportField | null)[];

const ALIASES: Record<ImportField, readonly string[]> = {
  name: ["name", "fullname", "contact", "contactname", "customer", "customername", "person"],
  email: ["email", "emailaddress", "mail", "emailadresse", "courriel"],
  company: ["company", "companyname", "organization", "organisation", "account", "business", "firma", "entreprise"],
  phone: ["phone", "phonenumber", "telephone", "tel", "mobile", "cell", "telefon"],
  status: ["status", "stage", "state", "lifecyclestage"],
  notes: ["notes", "note", "comments", "comment", "description", "remarks"],
};

/** "E-mail Address " → "emailaddress": case, spaces and punctuation do not matter. */
const normalize = (header: string) => header.toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");

/** A field per column where a header names one; each field goes to its first matching column. */
export function guessMapping(header: readonly string[]): ColumnMapping {
  const taken = new Set<ImportField>();
  return header.map((title) => {
    const key = normalize(title);
    const field = IMPORT_FIELDS.find((candidate) => !taken.has(candidate) && ALIASES[candidate].includes(key)) ?? null;
    if (field) taken.add(field);
    return field;
  });
}

/** The fields a mapping lacks that every customer needs. */
export function missingRequired(mapping: ColumnMapping): ImportField[] {
  return (["name", "email"] as const).filter((field) => !mapping.includes(field));
}
