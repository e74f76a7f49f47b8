"use client";

import type { InputHTMLAttributes, ReactNode, TextareaHTMLAttributes } from "react";

type Common = {
  id: string;
  label: ReactNode;
  /** Shown under the field; read with it (aria-describedby). */
  hint?: ReactNode;
  /** The field's error; marks it invalid and is read with it. */
  error?: string | null;
  className?: string;
};

/** The ids a field is described by: its error first (what to fix), then its hint. */
function describedBy(id: string, hint: ReactNode, error: string | null | undefined, extra?: string) {
  return [error ? `${id}-error` : null, hint ? `${id}-hint` : null, extra].filter(Boolean).join(" ") || undefined;
}

function Notes(props: { id: string; hint?: ReactNode; error?: string | null }) {
  return (
    <>
      {props.hint && (
        <p id={`${props.id}-hint`} className="field-hint">
          {props.hint}
        </p>
      )}
      {props.error && (
        <p id={`${props.id}-error`} className="field-error">
          {props.error}
        </p>
      )}
    </>
  );
}

/** A labelled text input with its hint and error, as every form here shows them. */
export function TextField(props: Common & Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "className">) {
  const { id, label, hint, error, className, ...input } = props;
  return (
    <div className={`field${className ? ` ${className}` : ""}`}>
      <label htmlFor={id}>{label}</label>
      <input {...input} id={id} aria-invalid={error ? true : undefined} aria-describedby={describedBy(id, hint, error, input["aria-describedby"])} />
      <Notes id={id} hint={hint} error={error} />
    </div>
  );
}

/** A labelled textarea with its hint and error. */
export function TextArea(props: Common & Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, "id" | "className">) {
  const { id, label, hint, error, className, ...area } = props;
  return (
    <div className={`field${className ? ` ${className}` : ""}`}>
      <label htmlFor={id}>{label}</label>
      <textarea {...area} id={id} aria-invalid={error ? true : undefined} aria-describedby={describedBy(id, hint, error, area["aria-describedby"])} />
      <Notes id={id} hint={hint} error={error} />
    </div>
  );
}
