// What a flow's end status means: the statuses its check run reports as a success. Any other end undoes
// what the flow did; a flow that ended so is what a revert of its pull request undoes.
export const succeeded = (status: string): boolean =>
  status === 'completed' || status === 'deployed' || status === 'success';
