export class KqlSyntaxError extends Error {
  constructor(
    message: string,
    readonly pos: number,
    readonly token: string,
  ) {
    super(message);
    this.name = "KqlSyntaxError";
  }
}

export class KqlSemanticError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KqlSemanticError";
  }
}
