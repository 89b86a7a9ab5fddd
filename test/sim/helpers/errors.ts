/** Runs a request expected to fail and returns the SDK's RestException (fails the test if it succeeds). */
export async function restError(promise: Promise<unknown>): Promise<{ status: number; code: number; message: string; moreInfo: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { status: number; code: number; message: string; moreInfo: string };
  }
  throw new Error('expected the request to fail');
}
