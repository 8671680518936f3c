// The benchmarks' peer on AWS's Node.js runtime interface client (aws-lambda-ric): returns the event.
export const handler = async (event) => event;
