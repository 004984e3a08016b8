import http from 'node:http';
import type { Express } from 'express';

/** `http.createServer`'s options naming the classes of the requests and responses it creates. */
export interface MessageClasses {
  readonly IncomingMessage: typeof http.IncomingMessage;
  readonly ServerResponse: typeof http.ServerResponse;
}

/**
 * Request and response classes whose instances are created with the prototypes `app` gives them, for the server the
 * app listens on (server.ts). Express 5 sets every request's and response's prototype when it starts handling it
 * (`Object.setPrototypeOf(req, app.request)` in application.js `handle`). On Node 20 and 22, that change, made to an
 * object V8 has already built, makes the request's objects outlive young-generation collections: a bare Express
 * route promoted ~7.8 KB per request to the old generation and answered half as many requests as the same route
 * whose requests were born with those prototypes (which promoted next to nothing; Node 24 promotes nothing either
 * way; bench/RESULTS.md, "Fifth round"). V8 does nothing when the prototype set is the one the object already has,
 * so Express's code runs unchanged and every request and response has the same prototype chain as before.
 *
 * The classes extend Node's, so their instances are laid out as Node's are; the app's `request` and `response`
 * objects become the classes' prototypes, each inheriting from what it was (app.request's `app`, Express's methods,
 * then Node's). Calling this again for the same app returns the same classes. Express still changes the prototypes of
 * the requests a mounted sub-app (`app.use(path, otherApp)`) handles; none of ours mounts one.
 */
export function expressMessageClasses(app: Express): MessageClasses {
  if (Object.hasOwn(app.request, 'constructor') && Object.hasOwn(app.response, 'constructor')) {
    return { IncomingMessage: app.request.constructor as typeof http.IncomingMessage, ServerResponse: app.response.constructor as typeof http.ServerResponse };
  }
  class ExpressRequest extends http.IncomingMessage {}
  class ExpressResponse<Request extends http.IncomingMessage = http.IncomingMessage> extends http.ServerResponse<Request> {}
  Object.setPrototypeOf(ExpressRequest.prototype, app.request);
  Object.setPrototypeOf(ExpressResponse.prototype, app.response);
  app.request = ExpressRequest.prototype as Express['request'];
  app.response = ExpressResponse.prototype as Express['response'];
  return { IncomingMessage: ExpressRequest, ServerResponse: ExpressResponse };
}
