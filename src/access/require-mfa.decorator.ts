import { Reflector } from '@nestjs/core';

/** The route needs a second-factor session (access token with `amr` containing "otp"); checked by the MfaGuard. */
export const RequireMfa = Reflector.createDecorator<void, true>({ transform: () => true });
