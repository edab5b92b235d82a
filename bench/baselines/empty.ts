// Cold-start floor: a handler that imports nothing, to show what the SDK itself costs.
export const handler = async () => ({ statusCode: 200, body: '{}' });
