/**
 * The site's icon as a data: URL, from public/icon.svg (the one source; the manifest's PNGs are
 * rendered from it). Chromium asks for a linked icon again after every client-side navigation (a
 * new page URL), which would put a request on every click; an inline icon costs none, and the
 * 224-byte SVG adds about 300 bytes to each HTML page.
 */
import svg from "../../public/icon.svg?raw";

export const FAVICON_HREF = `data:image/svg+xml,${encodeURIComponent(svg.trim())}`;
