//! A worker: one `/next` -> context -> instance -> call -> answer loop, with a Runtime API connection, a log
//! label and an instance of its own. One runs per concurrent invocation (`AWS_LAMBDA_MAX_CONCURRENCY`), all
//! sharing the one [`Function`].

use std::sync::Arc;

use tokio::sync::watch;

use crate::config::Isolation;
use crate::error::{ErrorReport, InvocationError};
use crate::function::Function;
use crate::invoke::{Instance, Outcome};
use crate::logging::{Level, Logger};
use crate::runtime_api::streamed::StreamFailure;
use crate::runtime_api::{AnswerTo, Invocation, Next, Posted, RuntimeApi};

/// One invocation loop.
pub struct Worker {
    /// What every worker shares: the engine, the component, the configuration.
    function: Arc<Function>,
    /// This worker's Runtime API connection.
    api: RuntimeApi,
    /// This worker's log: its records, and its instance's output, carry its invocation's request id.
    logger: Logger,
    /// The instance the next invocation runs in: kept between invocations (environment isolation), or made
    /// while `/next` waits (invocation isolation, and after a trap).
    instance: Option<Instance>,
}

impl Worker {
    /// A worker; `instance` is the one INIT made, for the first worker, and `None` for the others (they make
    /// theirs while their first `/next` waits).
    pub fn new(function: Arc<Function>, api: RuntimeApi, logger: Logger, instance: Option<Instance>) -> Self {
        Self {
            function,
            api,
            logger,
            instance,
        }
    }

    /// Polls and handles invocations until `stop` turns true (SIGTERM: an invocation in flight is finished and
    /// answered first), or until the Runtime API fails, which is returned: the environment is broken.
    pub async fn run(mut self, mut stop: watch::Receiver<bool>) -> anyhow::Result<()> {
        loop {
            let next = tokio::select! {
                biased;
                _ = stop.wait_for(|stopped| *stopped) => return Ok(()),
                next = self.next() => next?,
            };
            match next {
                Next::Event(invocation) => self.handle(&invocation).await?,
                Next::Unusable(to, error) => {
                    self.logger.set_invocation(Some((&to.request_id, None)));
                    self.logger
                        .log(Level::Error, &format!("{}: {error}", error.error_type()));
                    self.post_error(&to, &error.report(Vec::new())).await?;
                    self.logger.set_invocation(None);
                }
            }
        }
    }

    /// Waits for the next event while making the instance for it (when the worker has none), so making it is not
    /// on an invocation's critical path (the yield lets the `/next` request go out first). A failure to make one is
    /// not reported here: the invocation tries again and reports it.
    async fn next(&mut self) -> anyhow::Result<Next> {
        let Self {
            function,
            api,
            logger,
            instance,
        } = self;
        let prepare = async {
            if instance.is_none() {
                tokio::task::yield_now().await;
                *instance = function.instantiate(logger, None).await.ok();
            }
        };
        let (next, ()) = tokio::join!(api.next(function.config().default_timeout), prepare);
        next
    }

    /// One invocation, top to bottom: its log label, an instance, the call, the answer.
    async fn handle(&mut self, invocation: &Invocation) -> anyhow::Result<()> {
        self.logger
            .set_invocation(Some((&invocation.request_id, invocation.tenant_id.as_deref())));
        let to = invocation.answer_to();
        let config = self.function.config();
        let instance = match self.instance.take() {
            Some(instance) => Ok(instance),
            None => {
                let stop_at =
                    std::time::Instant::now() + invocation.time_left().saturating_sub(config.timeout_margin);
                self.function.instantiate(&self.logger, Some(stop_at)).await
            }
        };
        let mut spent = None;
        let outcome = match instance {
            Ok(mut instance) => {
                let (outcome, reusable) = instance
                    .call(
                        invocation,
                        self.api.address(),
                        config.timeout_margin,
                        &self.logger,
                    )
                    .await;
                // A trapped store cannot be entered again, and invocation isolation never reuses one: either way
                // it is torn down while the answer is posted, and the next invocation gets a new instance.
                if reusable && config.isolation == Isolation::Environment {
                    self.instance = Some(instance);
                } else {
                    spent = Some(instance);
                }
                outcome
            }
            Err(error) => {
                self.logger
                    .log(Level::Error, &format!("{}: {error}", error.error_type()));
                Outcome::Error(error.report(Vec::new()))
            }
        };
        // The spent instance is torn down while the Runtime API takes the answer (the yield lets the answer go out
        // first): its memory goes back to the environment's budget before the next one is made, and neither the
        // teardown nor the next instance delays the answer or the next event.
        let teardown = async move {
            if let Some(spent) = spent {
                tokio::task::yield_now().await;
                drop(spent);
            }
        };
        let (answered, ()) = tokio::join!(self.answer(&to, outcome), teardown);
        self.logger.set_invocation(None);
        answered
    }

    /// Posts what the invocation came to; a refusal is logged and the loop goes on, a broken Runtime API is
    /// returned.
    async fn answer(&mut self, to: &AnswerTo, outcome: Outcome) -> anyhow::Result<()> {
        let posted = match outcome {
            Outcome::Response(body) => self.api.response(to, body).await?,
            Outcome::Error(report) => self.api.error(to, &report).await?,
            Outcome::Stream(stream, error) => match stream.finish(error.as_ref()).await {
                Ok(posted) => posted,
                // Nothing reached Lambda: the invocation can still be answered, with an error.
                Err(StreamFailure::NotSent(e)) => {
                    let report = error.unwrap_or_else(|| {
                        InvocationError::Stream(format!("the streamed response could not be opened: {e:#}"))
                            .report(Vec::new())
                    });
                    self.logger
                        .log(Level::Error, &format!("streaming the response failed: {e:#}"));
                    self.api.error(to, &report).await?
                }
                Err(StreamFailure::Broken(e)) => {
                    self.logger
                        .log(Level::Error, &format!("the streamed response broke off: {e:#}"));
                    return Ok(());
                }
                Err(StreamFailure::Fatal(e)) => return Err(e),
            },
        };
        self.log_refusal(&posted);
        Ok(())
    }

    async fn post_error(&mut self, to: &AnswerTo, report: &ErrorReport) -> anyhow::Result<()> {
        let posted = self.api.error(to, report).await?;
        self.log_refusal(&posted);
        Ok(())
    }

    fn log_refusal(&self, posted: &Posted) {
        let said = match posted {
            Posted::Accepted => return,
            Posted::TooLarge => "the Runtime API refused the response as too large (413): the caller sees \
                                 Function.ResponseSizeTooLarge"
                .to_owned(),
            Posted::Gone(why) => format!(
                "the Runtime API refused the answer as late (410 Gone: the invocation had ended): {why}"
            ),
            Posted::Refused(why) => format!("the answer was refused: {why}"),
        };
        self.logger.log(Level::Error, &said);
    }
}
