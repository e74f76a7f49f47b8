import type { Metadata } from "next";
import { NotFoundView } from "@/components/shell/not-found-view.tsx";

export const metadata: Metadata = { title: "Page not found" };

export default function NotFound() {
  return (
    <NotFoundView title="Page not found">
      <p>There is nothing at this address. It may have moved, or the link may be mistyped.</p>
    </NotFoundView>
  );
}
