// One thing at a time, in the order asked: for a resource that must not be given two at once.

export type Serial = <T>(work: () => Promise<T>) => Promise<T>;

/** Runs the works given to it one after another, in the order given; one failing stops none after it. */
export function serial(): Serial {
  let last: Promise<unknown> = Promise.resolve();
  return (work) => {
    const next = last.then(work);
    last = next.catch(() => {});
    return next;
  };
}
