import { createFileRoute } from "@tanstack/react-router";

export const Route = createFileRoute("/")({
  component: HomePage,
});

function HomePage() {
  return (
    <section className="hero">
      <h1>Your customers, one hover away.</h1>
      <p>
        Clientele preloads each page's code and data while you point at a link, renders the first page on the server with your
        rows already in it, and keeps every open table live.
      </p>
    </section>
  );
}
