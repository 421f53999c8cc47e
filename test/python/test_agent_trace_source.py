"""Unit tests of src/sdk/agent_trace_source.py with a stand-in span (no OpenTelemetry needed).

Run: python3 -m unittest discover -s test/python  (test/unit/pythonSources.test.ts runs it).
"""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'src', 'sdk'))

from agent_trace_source import SourceLocationProcessor  # noqa: E402


class FakeSpan:
    """The two members of an SDK span that on_start uses."""

    def __init__(self, attributes=None):
        self.attributes = dict(attributes or {})

    def set_attribute(self, key, value):
        self.attributes[key] = value


def start_span(processor, span):
    processor.on_start(span)  # the line recorded for spans started here
    return span


START_LINE = start_span.__code__.co_firstlineno + 1


class SourceLocationProcessorTest(unittest.TestCase):
    def test_stamps_the_first_user_frame(self):
        span = start_span(SourceLocationProcessor(), FakeSpan())
        self.assertEqual(span.attributes['code.file.path'], os.path.realpath(__file__))
        self.assertEqual(span.attributes['code.line.number'], START_LINE)
        self.assertTrue(str(span.attributes['code.function.name']).endswith('start_span'))

    def test_keeps_a_location_the_span_already_has(self):
        for key in ('code.file.path', 'code.filepath'):
            span = start_span(SourceLocationProcessor(), FakeSpan({key: '/app/agent.py'}))
            self.assertEqual(span.attributes, {key: '/app/agent.py'})

    def test_relative_to_root(self):
        root = os.path.join(HERE, '..', '..')
        span = start_span(SourceLocationProcessor(root=root), FakeSpan())
        self.assertEqual(span.attributes['code.file.path'], 'test/python/test_agent_trace_source.py')

    def test_exclude_skips_files_and_library_frames_never_count(self):
        # With this file excluded only unittest (standard library) frames remain: nothing is stamped.
        me = os.path.realpath(__file__)
        span = start_span(SourceLocationProcessor(exclude=lambda p: p == me), FakeSpan())
        self.assertNotIn('code.file.path', span.attributes)

    def test_library_paths(self):
        p = SourceLocationProcessor()
        self.assertFalse(p.is_user_file('<frozen importlib._bootstrap>')[0])
        self.assertFalse(p.is_user_file(os.path.join(os.sep, 'venv', 'lib', 'site-packages', 'openai', 'x.py'))[0])
        self.assertFalse(p.is_user_file(os.__file__)[0])
        self.assertTrue(p.is_user_file(__file__)[0])

    def test_never_raises(self):
        class Broken(FakeSpan):
            def set_attribute(self, key, value):
                raise RuntimeError('boom')
        SourceLocationProcessor().on_start(Broken())  # must not raise


if __name__ == '__main__':
    unittest.main()
