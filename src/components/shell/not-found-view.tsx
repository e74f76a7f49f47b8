import Link from "next/link";
import type { ReactNode } from "react";

/** A page (or a part of one) that is not there: said plainly, with a way back. */
export function NotFoundView(props: { title: string; children?: ReactNode; backHref?: string; backLabel?: string }) {
  return (
    <div className="not-found" role="region" aria-labelledby="not-found-title">
      <p className="not-found-code" aria-hidden="true">
        404
      </p>
      <h1 id="not-found-title">{props.title}</h1>
      {props.children && <div className="lede">{props.children}</div>}
      <div className="row">
        <Link className="button" href={props.backHref ?? "/"}>
          {props.backLabel ?? "Back to your rooms"}
        </Link>
      </div>
    </div>
  );
}
