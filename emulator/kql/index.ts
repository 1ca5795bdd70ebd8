export { runQuery, execute, formatCell, formatTimespan, formatDatetime, toDatetimeMs } from "./evaluator.js";
export type { Col, Frame, KqlContext } from "./evaluator.js";
export { parseQuery, parseExpression } from "./parser.js";
export { KqlSemanticError, KqlSyntaxError } from "./errors.js";
