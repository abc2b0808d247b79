// operations.js: the notification email is a package-time parameter; no subscription without it.
/* eslint-disable-next-line @typescript-eslint/no-require-imports */
const operations = require('../operations.js') as {
  resourcesFor: (options: { stage: string; notificationEmail: string }) => {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
};

describe('the notification topic’s email subscription', () => {
  it('exists only when --param notificationEmail is given', () => {
    const withEmail = operations.resourcesFor({ stage: 'ci', notificationEmail: 'ops@example.com' }).Resources;
    expect(withEmail.NotificationEmailSubscription).toEqual({
      Type: 'AWS::SNS::Subscription',
      Properties: { TopicArn: { Ref: 'NotificationTopic' }, Protocol: 'email', Endpoint: 'ops@example.com' },
    });
    const without = operations.resourcesFor({ stage: 'ci', notificationEmail: '' }).Resources;
    expect(Object.values(without).filter((r) => r.Type === 'AWS::SNS::Subscription')).toEqual([]);
  });
});
