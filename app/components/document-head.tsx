import { Asset, useRouter, useTags } from "@tanstack/react-router";
import { useEffect, useState } from "react";
import { afterPaint } from "../lib/after-paint";

type HeadTag = ReturnType<typeof useTags>[number];

const isModulePreload = (tag: HeadTag) => tag.tag === "link" && tag.attrs?.rel === "modulepreload";

/**
 * The router's head tags (each page's title, the CSP nonce, the route code's modulepreload links)
 * as the router's `HeadContent` renders them, except that a navigation changes no element in the
 * head (docs/decisions/007):
 * - the `<title>` element keeps the server's text and a new page's title is set after the frame
 *   that paints the page (after its history entry: after-paint.ts). `HeadContent` keys every tag
 *   by its content, so each click removed one `<title>` and inserted another, and a title change
 *   costs the click about a millisecond in Chromium;
 * - the modulepreload links stay those of the first render: from the server they tell the browser
 *   which code the page needs; after hydration the router loads route code itself, and links
 *   removed and added at each click were DOM work and nothing else.
 */
export function DocumentHead() {
  const tags = useTags();
  const nonce = useRouter().options.ssr?.nonce;
  const title = tags.find((tag) => tag.tag === "title")?.children;
  const [first] = useState(() => ({ title, preloads: tags.filter(isModulePreload) }));
  useEffect(() => {
    if (title === undefined) return;
    afterPaint(() => {
      if (document.title !== title) document.title = title;
    });
  }, [title]);
  return (
    <>
      <title suppressHydrationWarning>{first.title}</title>
      {tags.map((tag) =>
        tag.tag === "title" || isModulePreload(tag) ? null : (
          <Asset {...tag} key={`tsr-meta-${JSON.stringify(tag)}`} nonce={nonce} />
        ),
      )}
      {first.preloads.map((tag) => (
        <Asset {...tag} key={`tsr-meta-${JSON.stringify(tag)}`} nonce={nonce} />
      ))}
    </>
  );
}
