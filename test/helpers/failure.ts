/** The error a call (sync or async) fails with; fails the test if it does not. */
export async function failure(call: () => unknown): Promise<Error> {
  try {
    await call();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the call to fail");
}
