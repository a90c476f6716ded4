/**
 * A step that did not do what the scenario said: the booth refused an action, an expectation was
 * not met, boothd did not come up. The scenario `failed`. Any other error is the rig's own
 * trouble (mosquitto would not start, a bug) and makes the scenario an `error`.
 */
export class StepFailure extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StepFailure';
  }
}
