import type { SnsSender } from '../aws/clients';

export interface Notice {
  subject: string;
  message: string;
}

/** Where summaries go: an SNS topic in AWS, anything with the same shape in tests. */
export interface Notifier {
  publish(notice: Notice): Promise<void>;
}

/** SNS subjects are limited to 100 characters and messages to 256 KB. */
const MAX_SUBJECT = 100;
const MAX_MESSAGE = 200_000;

export function snsNotifier(sns: SnsSender, topicArn: string): Notifier {
  return {
    async publish(notice) {
      const { PublishCommand } = await import('@aws-sdk/client-sns');
      await sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: notice.subject.slice(0, MAX_SUBJECT),
          Message: notice.message.length > MAX_MESSAGE ? `${notice.message.slice(0, MAX_MESSAGE)}\n… (cut; the run's report has it all)` : notice.message,
        }),
      );
    },
  };
}
