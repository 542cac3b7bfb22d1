/**
 * A text field's value from a submitted form. FormData can also hold a File (a file input, or a
 * crafted submission), which must not become "[object File]": only strings count.
 */
export function formText(data: FormData, name: string): string {
  const value = data.get(name);
  return typeof value === "string" ? value : "";
}
