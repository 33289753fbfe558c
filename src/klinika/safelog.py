"""Logging a failure without its message: an exception's text can carry the values it choked on (a
pydantic ValidationError quotes its input, a database error its row), and those may be personal data.
The class and the frames (file, line, function) are what an operator needs to find the fault."""
import traceback


def log_failure(logger, exc: BaseException, message: str, *args) -> None:
    frames = "".join(f"\n  {frame.filename}:{frame.lineno} in {frame.name}"
                     for frame in traceback.extract_tb(exc.__traceback__))
    logger.error(message + " (%s, message withheld: it may hold personal data)%s", *args,
                 type(exc).__name__, frames)
