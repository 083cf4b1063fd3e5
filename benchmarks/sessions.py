"""Viewers without a browser: Streamlit sessions driven over their websocket as a tab drives them.

A Chromium tab on the Live page spends about a fifth of a CPU second on each redraw (Plotly
lays out five charts of up to 2,000 points a trace), so one core redraws the page about five
times a second, whatever the number of tabs: thirty tabs on it would each redraw every six
seconds, and the server would see a sixth of a classroom. A `Sessions` viewer asks the
server for what a tab asks for, at a tab's pace, and draws nothing. It opens the page as the
browser does (a `rerun_script` request naming the page), then reruns each fragment the server
asks to have rerun (an `auto_rerun` message) at the interval it gives, until told to stop or
until a whole page run ends without it (as a tab drops the timers of fragments a page run no
longer draws, such as the first paint's), listing the cached messages it holds as the browser
does, and fetching each new image's media file as the browser does (once a URL). The server
does for it all it does for a tab: every script and fragment run, every figure serialized,
every message sent, every image served. What a tab asks for besides, and a session does not,
is the page's static files, once.
"""

from __future__ import annotations

import asyncio
import threading
import urllib.request
from urllib.parse import urljoin, urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from components import first_paint

OPEN_SECONDS = 300.0  # how long sessions opened at once may take to finish their first page runs


class Sessions:
    """Sessions of one page, on an event loop in a thread of their own.

    Args:
        url: the page's address, e.g. `http://127.0.0.1:8765/live`.

    Attributes:
        reruns: the fragment reruns all sessions have asked for so far.
        media: the media files (images) all sessions have fetched so far.
    """

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.stream = f"ws://{parts.netloc}/_stcore/stream"
        self.page = parts.path.strip("/")
        self.reruns = 0
        self.media = 0
        self._fetching: set[asyncio.Future] = set()  # media fetches under way
        self._tasks: list[asyncio.Task] = []
        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._loop.run_forever, daemon=True).start()

    def hold(self, count: int) -> None:
        """Opens or closes sessions until `count` are open; returns once each has drawn its
        whole page (after its first paint, `components.first_paint`)."""
        asyncio.run_coroutine_threadsafe(self._hold(count), self._loop).result()

    def close(self) -> None:
        """Closes every session and ends the thread."""
        self.hold(0)
        self._loop.call_soon_threadsafe(self._loop.stop)

    async def _hold(self, count: int) -> None:
        while len(self._tasks) > count:
            task = self._tasks.pop()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        drawn = [asyncio.Event() for _ in range(count - len(self._tasks))]
        opened = [asyncio.create_task(self._session(event)) for event in drawn]
        self._tasks += opened
        waits = (self._drawn(task, event) for task, event in zip(opened, drawn, strict=True))
        await asyncio.wait_for(asyncio.gather(*waits), OPEN_SECONDS)

    @staticmethod
    async def _drawn(task: asyncio.Task, drawn: asyncio.Event) -> None:
        """Returns once a session has drawn its page; raises what ended it before that."""
        waiter = asyncio.create_task(drawn.wait())
        done, _ = await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if waiter not in done:
            waiter.cancel()
            task.result()  # raises what ended the session, if anything did
            raise ConnectionError("A viewer session ended before it drew its page.")

    async def _session(self, drawn: asyncio.Event) -> None:
        """One viewer: opens the page, then follows the server's fragment timers."""
        state = ClientState(page_name=self.page)
        cached: set[str] = set()
        fetched: set[str] = set()  # the media URLs this session's "browser" holds
        timers: dict[str, asyncio.Task] = {}
        drawn_since: set[str] = set()  # fragments with a timer from the page run under way
        first_paints: set[str] = set()  # the first paint's fragment (components.first_paint)
        async with websockets.connect(
            self.stream, origin=self.origin, subprotocols=["streamlit"], max_size=None
        ) as socket:

            async def rerun(fragment_id: str, interval: float) -> None:
                while True:
                    await asyncio.sleep(interval)
                    again = ClientState()
                    again.CopyFrom(state)
                    again.fragment_id, again.is_auto_rerun = fragment_id, True
                    again.cached_message_hashes.extend(cached)
                    self.reruns += 1
                    await socket.send(BackMsg(rerun_script=again).SerializeToString())

            await socket.send(BackMsg(rerun_script=state).SerializeToString())
            try:
                async for data in socket:
                    message = ForwardMsg.FromString(data)
                    if message.metadata.cacheable:
                        cached.add(message.hash)
                    kind = message.WhichOneof("type")
                    if kind == "delta":
                        self._fetch_media(message, fetched)
                    elif kind == "navigation":  # the page's hash, which reruns name
                        state.page_script_hash = message.navigation.page_script_hash
                    elif kind == "auto_rerun":
                        fragment_id = message.auto_rerun.fragment_id
                        drawn_since.add(fragment_id)
                        if message.auto_rerun.interval == first_paint.TICK_SECONDS:
                            first_paints.add(fragment_id)
                        if fragment_id in timers:
                            timers[fragment_id].cancel()
                        timers[fragment_id] = asyncio.create_task(
                            rerun(fragment_id, message.auto_rerun.interval)
                        )
                    elif kind == "stop_auto_rerun":
                        for fragment_id in message.stop_auto_rerun.fragment_ids:
                            if timer := timers.pop(fragment_id, None):
                                timer.cancel()
                    elif (
                        kind == "script_finished"
                        and message.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY
                    ):  # a whole page run: a tab drops the timers of fragments it did not draw
                        for fragment_id in set(timers) - drawn_since:
                            timers.pop(fragment_id).cancel()
                        if not drawn_since & first_paints:  # the page, not its first paint
                            drawn.set()
                        drawn_since.clear()
            finally:
                for timer in timers.values():
                    timer.cancel()

    def _fetch_media(self, message: ForwardMsg, fetched: set[str]) -> None:
        """Fetches the media file of each image the message draws, as a browser does once per
        URL, beside the messages that follow: the server serves it as it serves a tab."""
        element = message.delta.new_element
        if element.WhichOneof("type") != "imgs":
            return
        for image in element.imgs.imgs:
            if image.url and image.url not in fetched:
                fetched.add(image.url)
                fetch = asyncio.to_thread(self._read, urljoin(self.origin, image.url))
                self._fetching.add(task := asyncio.ensure_future(fetch))
                task.add_done_callback(self._fetched)

    def _fetched(self, task: asyncio.Future) -> None:  # on the event loop's thread
        self._fetching.discard(task)
        self.media += not task.cancelled() and task.exception() is None

    @staticmethod
    def _read(url: str) -> None:
        with urllib.request.urlopen(url, timeout=30) as response:
            response.read()
