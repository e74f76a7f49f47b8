/** A price field's label: short on screen, in full for screen readers. */
export function priceLabel(name: string) {
  return (
    <>
      {name}
      <span className="visually-hidden"> (USD per million tokens)</span>
    </>
  );
}

