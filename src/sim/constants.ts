/** Obviously fake credentials in valid Twilio formats, used whenever no real Twilio credentials are configured. */
export const SIM_ACCOUNT_SID = 'AC00000000000000000000000000005173';
export const SIM_AUTH_TOKEN = 'simulator-auth-token-not-a-secret';
export const SIM_VERIFY_SERVICE_SID = 'VA00000000000000000000000000005173';
/** Twilio's own magic "valid From" test number; the simulator owns it by default. */
export const SIM_CALLER_ID = '+15005550006';
