"use client";

import Link from "next/link";
import { useEffect, useRef } from "react";

/** A page that failed to render: said plainly, with Try again and a way home (Next's default is a blank "Application error"). */
export default function ErrorPage(props: { error: Error & { digest?: string }; reset: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, []);
  return (
    <div className="not-found" role="region" aria-labelledby="error-title">
      <p className="not-found-code" aria-hidden="true">
        Oops
      </p>
      <h1 id="error-title" ref={heading} tabIndex={-1}>
        Something went wrong
      </h1>
      <p className="lede">
        This page could not be shown. Try again; if it keeps failing, the <Link href="/status">status page</Link> says whether Pantheon is healthy.
        {props.error.digest && (
          <>
            {" "}
            Reference: <code>{props.error.digest}</code>
          </>
        )}
      </p>
      <div className="row">
        <button type="button" className="button" onClick={props.reset}>
          Try again
        </button>
        <Link className="button secondary" href="/">
          Back to your rooms
        </Link>
      </div>
    </div>
  );
}
