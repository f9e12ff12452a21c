"""A question's answerers and related threads (thin controllers).

For those who may read the thread (404 otherwise, anonymous included for non-public ones);
only people and threads the caller may see are shown.
"""

from __future__ import annotations

from litestar import Controller, get

from peerlearn.auth import Principal
from peerlearn_matcher.http.schemas import AnswererOut, AnswerersOut, RelatedOut, RelatedPage
from peerlearn_matcher.usecases import routing
from peerlearn_matcher.usecases.matcher import Matcher


class ThreadsController(Controller):
    """Answerers and related threads of a forum thread."""

    tags = ["matcher"]

    @get("/v1/threads/{thread_id:str}/answerers", summary="Who is likely to answer this question")
    async def answerers(self, matcher: Matcher, principal: Principal | None, thread_id: str) -> AnswerersOut:
        """The suggested answerers of a question that the caller may see."""
        found = await routing.thread_answerers(matcher, principal, thread_id)
        return AnswerersOut(
            thread_id=thread_id,
            answerers=[
                AnswererOut(
                    person_id=a.person_id, display_name=a.display_name, score=a.score, reasons=a.reasons
                )
                for a in found
            ],
        )

    @get("/v1/threads/{thread_id:str}/related", summary="Answered threads close to this one")
    async def related(self, matcher: Matcher, principal: Principal | None, thread_id: str) -> RelatedPage:
        """Threads with an accepted answer, close in meaning, among those the caller may read."""
        found = await routing.related_threads(matcher, principal, thread_id)
        return RelatedPage(
            thread_id=thread_id,
            related=[RelatedOut(thread_id=key, title=title, score=score) for key, title, score in found],
        )
