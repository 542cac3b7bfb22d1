/**
 * The rules for a note's text, used by convex/notes.ts (the authority) and by the Notes tab (to
 * say what is wrong before sending). Pure: no Convex or Node imports.
 */
import { isPlainText } from "./customerRules";

export const MAX_NOTE_LENGTH = 10_000;

export type NoteBodyResult = { ok: true; value: string } | { ok: false; message: string };

/** A note as stored: line breaks as \n, no blank lines or spaces around it; never empty. */
export function validateNoteBody(body: string): NoteBodyResult {
  const value = body.replace(/\r\n?/g, "\n").trim();
  if (value === "") return { ok: false, message: "Write something in the note first." };
  if (value.length > MAX_NOTE_LENGTH) {
    return {
      ok: false,
      message: `A note can be at most ${MAX_NOTE_LENGTH.toLocaleString("en")} characters; this one has ${value.length.toLocaleString("en")}.`,
    };
  }
  if (!isPlainText(value, { multiline: true })) {
    return { ok: false, message: "A note must not contain control characters or text-direction overrides." };
  }
  return { ok: true, value };
}
